/**
 * Fingerprints of middlebox products (web filters, secure web gateways, proxies, DNS filters)
 * that answer for a site they block: their block pages, block redirects and DNS block
 * addresses, plus the generic signs that an HTTP proxy sits in the path.
 *
 * Source: OONI blocking-fingerprints, github.com/ooni/blocking-fingerprints at commit
 * 171641e60b54231cad18753a72145da87b0d3e07 (fingerprints_http.csv, fingerprints_dns.csv; a copy
 * with its README is in shared/data/). The rows below were selected once, by hand, from that
 * CSV and are committed as source: nothing reads the CSV at run time. `name` is the OONI
 * fingerprint name, so a match can be traced back to its row (and its OONI Explorer
 * measurement); the few rows from other sources say where they come from.
 *
 * Selection:
 * - scope `prod` (middlebox products), plus `inst` rows whose pattern names a product, plus
 *   ooni.au_2 (scope `isp`, but Citizen Lab files it as cl.prod_contentkeeper);
 * - left out: scopes `nat`, `isp`, `vbw`, `fp`; server-side firewalls and CDNs (Sucuri,
 *   WebKnight, DDoS-Guard, Cloudflare, Pantheon: they speak for the site, not for the network);
 *   national programmes (Nawala, BTK, Pustekkom, Swisscom PWLAN); patterns vague enough to
 *   appear on ordinary pages ('Application Blocked', 'fortinet.net', 'Blocking rule',
 *   '<body id="blockpage">', 'Guardian DNS', 'WatchGuard Firewall', bare antivirus product names,
 *   'Please contact your system administrator if you believe this is in error');
 *   cl.prod_lightspeed_filter_forward ('/access?', confidence 5; OONI warns of false positives)
 *   and cl.prod_netsweeper_inject ('?dpid=', 6 characters); rows that name no product; rows
 *   subsumed by a kept row;
 * - rows changed from OONI carry a comment saying how.
 * Every body pattern is at least 10 characters long (a test checks it).
 *
 * Pure: no `browser.*`, no Node APIs (runs in the background service worker).
 */

import { BLOCK_PRODUCTS, type BlockProductId } from './block-products';

/** What the probe saw. Header names may be in any case. */
export interface HttpEvidence {
  status?: number;
  /** Response headers; names are compared case-insensitively. */
  headers?: Record<string, string>;
  /** Response body (only the first `MAX_BODY_CHARS` characters are examined). */
  body?: string;
  /** Redirect target, when the probe saw a redirect (otherwise `headers.location` is used). */
  location?: string;
}

export interface BlockPageMatch {
  product: BlockProductId;
  productName: string;
  /** OONI fingerprint name, e.g. "cl.prod_fortiguard_webfilter_blocktext". */
  fingerprint: string;
}

/** Where a pattern is looked for: the body, or one header (`header.<lower-case name>`). */
export type FingerprintLocation = 'body' | `header.${string}`;

/** OONI's pattern types: equality, startsWith, substring, regular expression. */
export type PatternType = 'full' | 'prefix' | 'contains' | 'regexp';

export interface Fingerprint {
  /** OONI fingerprint name (the row it was taken from); `squid.*` rows are not from OONI. */
  name: string;
  product: BlockProductId;
  location: FingerprintLocation;
  type: PatternType;
  /** Compared case-sensitively, as OONI does. */
  pattern: string;
}

/**
 * Block pages and block redirects: a match means the response was produced by the product (a
 * block page, a redirect to its block page, or its own server answering instead of the site).
 */
export const BLOCK_PAGE_FINGERPRINTS: readonly Fingerprint[] = [
  // fortiguard
  {
    name: 'cl.prod_fortiguard_webfilter_blocktext',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern:
      'You have tried to access a web page which is in violation of your internet usage policy.',
  },
  {
    name: 'cl.prod_fortiguard_webfilter_poweredby',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'Powered By FortiGuard',
  },
  {
    name: 'cl.prod_fortiguard_webfilter_blockurl',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: ':8008/XX/YY/ZZ/CI/MGPGHGPGPFGHCDPFGGOGFGEH',
  },
  {
    name: 'cl.prod_fortiguard_ips_block',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'FortiGuard Intrusion Prevention - Access Blocked',
  },
  {
    name: 'cp.a_prod_fortinet_1',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'FortiGuard Web Filtering',
  },
  {
    name: 'cp.a_prod_fortinet_3',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: '<br/>Attack ID: 20000',
  },
  {
    name: 'cp.a_prod_fortinet_4',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'Powered By Fortinet',
  },
  {
    name: 'cp.a_prod_fortinet_5',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'FortiGate Application Control',
  },
  {
    name: 'cp.a_prod_fortinet_6',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'The page you have requested has been blocked, because the URL is banned.',
  },
  {
    name: 'cp.a_prod_fortinet_8',
    product: 'fortiguard',
    location: 'body',
    type: 'contains',
    pattern: 'Webfilter Violation',
  },
  // zscaler
  {
    name: 'cl.prod_zscaler_block',
    product: 'zscaler',
    location: 'body',
    type: 'contains',
    pattern: 'Internet Security by Zscaler',
  },
  {
    name: 'cl.prod_zscaler_forward_1',
    product: 'zscaler',
    location: 'header.location',
    type: 'contains',
    pattern: '://gateway.zscaler.net',
  },
  {
    name: 'cl.prod_zscaler_forward_2',
    product: 'zscaler',
    location: 'header.location',
    type: 'contains',
    pattern: '://gateway.zscalertwo.net',
  },
  // palo-alto
  {
    name: 'cl.prod_paloaltonetworks_forward',
    product: 'palo-alto',
    location: 'header.location',
    type: 'contains',
    pattern: '/php/urlblock.php?args=',
  },
  {
    name: 'cl.prod_paloaltonetworks_block',
    product: 'palo-alto',
    location: 'body',
    type: 'contains',
    pattern:
      'Access to the web page you were trying to visit has been blocked in accordance with company policy.',
  },
  {
    name: 'cp.a_prod_paloalto_1',
    product: 'palo-alto',
    location: 'body',
    type: 'contains',
    pattern: 'Access to the web page you were trying to visit has been blocked in accordance with',
  },
  {
    name: 'cp.a_prod_paloalto_2',
    product: 'palo-alto',
    location: 'body',
    type: 'contains',
    pattern: '<body bgcolor="#e7e8e9"><div id="content"><h1>Web Page Blocked</h1>',
  },
  {
    name: 'cp.a_prod_paloalto_3',
    product: 'palo-alto',
    location: 'body',
    type: 'contains',
    pattern: '<p class="style17" align="center"><strong>Blocked by browsing policy</strong></p>',
  },
  {
    name: 'cp.a_prod_paloalto_4',
    product: 'palo-alto',
    location: 'body',
    type: 'contains',
    pattern: 'Accesstothewebpageyouweretryingtovisithasbeenblockedinaccordancewith',
  },
  {
    name: 'cp.a_prod_paloalto_5',
    product: 'palo-alto',
    location: 'body',
    type: 'contains',
    pattern:
      '<p>Access to the application you were trying to use has been blocked in accordance with',
  },
  // ooni.us_8: scope inst; OONI's prefix names one school district's host
  // (https://mpswebfilterwashbu.mpls.k12.mn.us:6082/php/uid.php); generalised to the path of
  // the PAN-OS captive portal.
  {
    name: 'ooni.us_8',
    product: 'palo-alto',
    location: 'header.location',
    type: 'contains',
    pattern: '/php/uid.php?',
  },
  // cisco-umbrella
  {
    name: 'cl.prod_cisco_opendns_block_1',
    product: 'cisco-umbrella',
    location: 'body',
    type: 'contains',
    pattern: 'This site is blocked due to content filtering.',
  },
  {
    name: 'cl.prod_opendns_block_2',
    product: 'cisco-umbrella',
    location: 'body',
    type: 'contains',
    pattern: 'This domain is blocked due to content filtering.',
  },
  {
    name: 'cl.prod_cisco_opendns_forward',
    product: 'cisco-umbrella',
    location: 'header.location',
    type: 'contains',
    pattern: '.opendns.com/',
  },
  {
    name: 'cl.prod_cisco_opendns_forward_2',
    product: 'cisco-umbrella',
    location: 'body',
    type: 'contains',
    pattern: 'https://block.opendns.com/?url=',
  },
  {
    name: 'cp.a_prod_opendns_1_body',
    product: 'cisco-umbrella',
    location: 'body',
    type: 'contains',
    pattern: 'https://block.opendns.com',
  },
  {
    name: 'cp.a_prod_opendns_1_location',
    product: 'cisco-umbrella',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://block.opendns.com',
  },
  {
    name: 'cp.a_prod_opendns_2_body',
    product: 'cisco-umbrella',
    location: 'body',
    type: 'contains',
    pattern: 'https://malware.opendns.com',
  },
  {
    name: 'cp.a_prod_opendns_2_location',
    product: 'cisco-umbrella',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://malware.opendns.com',
  },
  // forcepoint
  {
    name: 'cl.prod_forcepoint_websense_forward',
    product: 'forcepoint',
    location: 'header.location',
    type: 'contains',
    pattern: ':15871/cgi-bin/blockpage.cgi',
  },
  {
    name: 'cl.prod_forcepoint_websense_blockpage',
    product: 'forcepoint',
    location: 'body',
    type: 'contains',
    pattern: ':15871/cgi-bin/blockpage.cgi',
  },
  {
    name: 'cl.prod_forcepoint_websense_blockpage_2',
    product: 'forcepoint',
    location: 'body',
    type: 'contains',
    pattern: ':15871/cgi-bin/block_message.cgi',
  },
  // iboss
  {
    name: 'cl.prod_iboss_forwardtoblock_1',
    product: 'iboss',
    location: 'header.location',
    type: 'contains',
    pattern: '/ibreports/ibp/bp.html',
  },
  {
    name: 'cl.prod_iboss_forwardtoblock_2',
    product: 'iboss',
    location: 'header.location',
    type: 'contains',
    pattern: '/block/restricted.html?fn=',
  },
  {
    name: 'cl.prod_iboss_forwardtoblock_3',
    product: 'iboss',
    location: 'header.location',
    type: 'contains',
    pattern: '/iboss/restricted.html?fn=',
  },
  {
    name: 'cl.prod_iboss_iphantom_block',
    product: 'iboss',
    location: 'body',
    type: 'contains',
    pattern: 'Access to the requested site has been restricted due to its contents.',
  },
  // lightspeed
  {
    name: 'cl.prod_lightspeed_filter_blockpage',
    product: 'lightspeed',
    location: 'body',
    type: 'contains',
    pattern: '<title>Lightspeed System - Web Access</title>',
  },
  // netsweeper
  {
    name: 'cl.prod_netsweeper_blockpage',
    product: 'netsweeper',
    location: 'body',
    type: 'contains',
    pattern: 'poweredbynetsweeper.com',
  },
  {
    name: 'cl.prod_netsweeper_inject_2',
    product: 'netsweeper',
    location: 'body',
    type: 'contains',
    pattern: '/webadmin/deny/',
  },
  {
    name: 'cl.prod_netsweeper_inject_3',
    product: 'netsweeper',
    location: 'body',
    type: 'contains',
    pattern: '&dpruleid=',
  },
  // ooni.us_10: scope inst.
  {
    name: 'ooni.us_10',
    product: 'netsweeper',
    location: 'body',
    type: 'contains',
    pattern:
      'It is a good idea to check to see if the NetSweeper restriction is coming from the cache of your web browser',
  },
  // squid
  {
    name: 'cl.prod_squid_error_page',
    product: 'squid',
    location: 'body',
    type: 'contains',
    pattern: 'Stylesheet for Squid Error pages',
  },
  {
    name: 'cp.a_prod_squid_1',
    product: 'squid',
    location: 'body',
    type: 'contains',
    pattern: '(104) Connection reset by peer</I></PRE>',
  },
  // squidguard
  {
    name: 'cl.prod_squidguard_forward',
    product: 'squidguard',
    location: 'header.location',
    type: 'contains',
    pattern: 'squidGuard.cgi?clientaddr=',
  },
  // cl.prod_squid_error_forward: OONI files it under Squid, but sgerror.php is the redirect
  // target of pfSense's squidGuard package.
  {
    name: 'cl.prod_squid_error_forward',
    product: 'squidguard',
    location: 'header.location',
    type: 'contains',
    pattern: '/sgerror.php?url=',
  },
  // sonicwall
  {
    name: 'cl.prod_sonicwall_cfc',
    product: 'sonicwall',
    location: 'body',
    type: 'contains',
    pattern: '://cfssupport.sonicwall.com',
  },
  {
    name: 'cp.a_prod_sonicwall_2',
    product: 'sonicwall',
    location: 'body',
    type: 'contains',
    pattern: 'SonicWALL - Web Site Blocked',
  },
  {
    name: 'cp.a_prod_sonicwall_3_location',
    product: 'sonicwall',
    location: 'header.location',
    type: 'prefix',
    pattern: 'http://cfssupport.sonicwall.com',
  },
  // ooni.br_1: scope inst.
  {
    name: 'ooni.br_1',
    product: 'sonicwall',
    location: 'header.server',
    type: 'full',
    pattern: 'SonicWALL',
  },
  // check-point
  {
    name: 'cl.prod_checkpoint_urlfilter_blockpage',
    product: 'check-point',
    location: 'body',
    type: 'contains',
    pattern: 'Check Point UserCheck',
  },
  {
    name: 'cl.prod_checkpoint_urlfilter_forward',
    product: 'check-point',
    location: 'header.location',
    type: 'contains',
    pattern: '/UserCheck/PortalMain?IID=',
  },
  // untangle
  {
    name: 'cl.prod_untangle_block',
    product: 'untangle',
    location: 'body',
    type: 'contains',
    pattern: 'This web page is blocked</b> because it violates network policy.',
  },
  {
    name: 'cl.prod_untangle_forward',
    product: 'untangle',
    location: 'header.location',
    type: 'contains',
    pattern: 'web-filter/blockpage?',
  },
  // kerio
  {
    name: 'cl.prod_gfi_kerio',
    product: 'kerio',
    location: 'body',
    type: 'contains',
    pattern: 'This page has been blocked by Kerio Control',
  },
  {
    name: 'cp.a_prod_kerio_control',
    product: 'kerio',
    location: 'body',
    type: 'contains',
    pattern: 'Это сообщение создано прокси-сервером Kerio Control',
  },
  // ooni.cl_0: scope inst.
  {
    name: 'ooni.cl_0',
    product: 'kerio',
    location: 'header.server',
    type: 'full',
    pattern: 'Kerio Control Embedded Web Server',
  },
  // cisco-meraki
  {
    name: 'cl.prod_ciscomeraki_filter_block',
    product: 'cisco-meraki',
    location: 'body',
    type: 'contains',
    pattern: 'This website is blocked by your network operator.',
  },
  {
    name: 'cl.prod_ciscomeraki_filter_forward',
    product: 'cisco-meraki',
    location: 'header.location',
    type: 'contains',
    pattern: 'http://wired.meraki.com:8090/blocked.cgi',
  },
  // bluecoat
  {
    name: 'cl.prod_bluecoat_notify_forward',
    product: 'bluecoat',
    location: 'header.location',
    type: 'contains',
    pattern: 'notify.bluecoat.com',
  },
  {
    name: 'cl.prod_bluecoat_notify_notification',
    product: 'bluecoat',
    location: 'body',
    type: 'contains',
    pattern: '://notify.bluecoat.com',
  },
  // cp.a_prod_cacheflow: CacheFlow Inc. was renamed Blue Coat Systems in 2002.
  {
    name: 'cp.a_prod_cacheflow',
    product: 'bluecoat',
    location: 'body',
    type: 'contains',
    pattern:
      'Please verify that the server you are attempting to contact is correct.  Continued failures will result in a complete revocation of access.',
  },
  // sophos
  // ooni.ug_cyber_roam_0: Cyberoam, a Sophos company since 2014.
  {
    name: 'ooni.ug_cyber_roam_0',
    product: 'sophos',
    location: 'body',
    type: 'contains',
    pattern: 'Cyberoam is securing you. Click here to know more.',
  },
  // contentkeeper
  // ooni.au_2: scope isp, but Citizen Lab files it as cl.prod_contentkeeper.
  {
    name: 'ooni.au_2',
    product: 'contentkeeper',
    location: 'body',
    type: 'contains',
    pattern: 'Blocked by ContentKeeper',
  },
  // cisco-web-security
  // ooni.us_5: scope inst; ScanSafe is Cisco Cloud Web Security.
  {
    name: 'ooni.us_5',
    product: 'cisco-web-security',
    location: 'header.location',
    type: 'prefix',
    pattern: 'http://alert.scansafe.net/alert/process',
  },
  // barracuda
  {
    name: 'cp.a_prod_barracuda_1',
    product: 'barracuda',
    location: 'body',
    type: 'contains',
    pattern: '<th>Barracuda NextGen Firewall:</th>',
  },
  // ooni.zz_2: scope inst.
  {
    name: 'ooni.zz_2',
    product: 'barracuda',
    location: 'header.server',
    type: 'full',
    pattern: 'Barracuda/NGFirewall',
  },
  // ooni.zz_3: scope inst.
  {
    name: 'ooni.zz_3',
    product: 'barracuda',
    location: 'header.server',
    type: 'full',
    pattern: 'BarracudaHTTP 4.0',
  },
  // ooni.pa_0: scope inst.
  {
    name: 'ooni.pa_0',
    product: 'barracuda',
    location: 'body',
    type: 'contains',
    pattern: '<p>Redirecting you to Barracuda Web Filter.</p>',
  },
  // watchguard
  {
    name: 'cp.a_prod_watchguard_1',
    product: 'watchguard',
    location: 'body',
    type: 'contains',
    pattern: 'Request denied by WatchGuard HTTP Proxy',
  },
  {
    name: 'cp.a_prod_watchguard_3',
    product: 'watchguard',
    location: 'body',
    type: 'contains',
    pattern: '<title>Response denied by WatchGuard HTTP Proxy</title>',
  },
  // juniper
  {
    name: 'cl.prod_juniper_webfilter',
    product: 'juniper',
    location: 'body',
    type: 'contains',
    pattern: 'Juniper Web Filtering',
  },
  // mcafee
  {
    name: 'cp.a_prod_mcafee_1',
    product: 'mcafee',
    location: 'body',
    type: 'contains',
    pattern: 'McAfee Web Gateway - Notification - Blocked by URL filtering',
  },
  {
    name: 'cp.a_prod_mcafee_2',
    product: 'mcafee',
    location: 'body',
    type: 'contains',
    pattern: 'McAfee Web Gateway - Notification - Blocked by GTI Reputation',
  },
  // rm-safetynet
  {
    name: 'cl.prod_rmedufilter_blockpage',
    product: 'rm-safetynet',
    location: 'body',
    type: 'contains',
    pattern: 'www.rm.com/filteringpolicy/',
  },
  {
    name: 'cl.prod_rmedufilter_forward',
    product: 'rm-safetynet',
    location: 'header.location',
    type: 'contains',
    pattern: '.ifl.net/filterpages/',
  },
  // iserv
  {
    name: 'cl.prod_iserv_forward',
    product: 'iserv',
    location: 'header.location',
    type: 'contains',
    pattern: '/idesk/inet/block.php?',
  },
  // comodo
  {
    name: 'cl.prod_comodo_securedns_forward',
    product: 'comodo',
    location: 'header.location',
    type: 'contains',
    pattern: 'warn.recursive.dnsbycomodo.com',
  },
  {
    name: 'cl.prod_comodo_securedns_warning',
    product: 'comodo',
    location: 'body',
    type: 'contains',
    pattern: '://www.comodo.com/home/internet-security/submit.php?',
  },
  // akamai-etp
  {
    name: 'cp.a_prod_akamai_etp_body',
    product: 'akamai-etp',
    location: 'body',
    type: 'contains',
    pattern: 'http://error.etp.akamai.com/error.html',
  },
  {
    name: 'cp.a_prod_akamai_etp_location',
    product: 'akamai-etp',
    location: 'header.location',
    type: 'prefix',
    pattern: 'http://error.etp.akamai.com/error.html',
  },
  // adguard
  {
    name: 'cp.a_prod_adguard_satellite',
    product: 'adguard',
    location: 'body',
    type: 'contains',
    pattern: 'blocking-pages - Blocking pages for AdGuard projects',
  },
  // nextdns
  {
    name: 'cp.a_prod_nextdns_satellite',
    product: 'nextdns',
    location: 'body',
    type: 'contains',
    pattern: "Blocked-By: NextDNS'",
  },
  // safedns
  {
    name: 'cp.a_prod_safedns_satellite_body',
    product: 'safedns',
    location: 'body',
    type: 'contains',
    pattern: 'https://blockpage-cdn.safedns.com',
  },
  {
    name: 'cp.a_prod_safedns_satellite_location',
    product: 'safedns',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://blockpage-cdn.safedns.com',
  },
  // pihole
  {
    name: 'cp.a_prod_pihole_1_satellite',
    product: 'pihole',
    location: 'body',
    type: 'contains',
    pattern: '<!-- Pi-hole: A black hole for Internet advertisements',
  },
  {
    name: 'cp.a_prod_pihole_3_satellite',
    product: 'pihole',
    location: 'body',
    type: 'contains',
    pattern: '<title>Website durch Pi-hole blockiert!</title>',
  },
  // zyxel
  {
    name: 'cp.a_prod_zyxel_satellite',
    product: 'zyxel',
    location: 'body',
    type: 'contains',
    pattern: '<title>Zyxel Security Cloud-DNS Filter Service Portal</title>',
  },
  // tehtris
  {
    name: 'cp.a_prod_tehtris_satellite',
    product: 'tehtris',
    location: 'body',
    type: 'contains',
    pattern: '<title>TEHTRIS DNS Firewall</title>',
  },
  // onedns
  {
    name: 'cp.a_prod_onedns_satellite',
    product: 'onedns',
    location: 'body',
    type: 'contains',
    pattern: '<title>OneDNS block system</title>',
  },
  // netalerts
  {
    name: 'cp.a_prod_netalerts_satellite',
    product: 'netalerts',
    location: 'body',
    type: 'contains',
    pattern: '<script type="text/javascript" src="https://blocked.netalerts.io/index.js"></script>',
  },
  // blue-shield
  {
    name: 'cp.a_prod_blue_shield_satellite',
    product: 'blue-shield',
    location: 'body',
    type: 'contains',
    pattern: '<title>Blocked by BLUE SHIELD v3</title>',
  },
  // cira-shield
  // cp.d_corp_ca_cira_1_satellite: scope inst.
  {
    name: 'cp.d_corp_ca_cira_1_satellite',
    product: 'cira-shield',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://cira.ca:443/CanadianShield/Active/FamilyFilter',
  },
  // cp.d_corp_ca_cira_2_satellite: scope inst.
  {
    name: 'cp.d_corp_ca_cira_2_satellite',
    product: 'cira-shield',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://cira.ca:443/CanadianShield/Active/ScamFilter',
  },
  // cp.d_corp_ca_cira_3_satellite: scope inst.
  {
    name: 'cp.d_corp_ca_cira_3_satellite',
    product: 'cira-shield',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://www.cira.ca:443/CanadianShield/Active/PhishingBlock',
  },
  // olfeo
  // ooni.fr_2: scope inst.
  {
    name: 'ooni.fr_2',
    product: 'olfeo',
    location: 'header.server',
    type: 'prefix',
    pattern: 'Olfeo',
  },
  // gateprotect
  // ooni.sd_2: scope inst.
  {
    name: 'ooni.sd_2',
    product: 'gateprotect',
    location: 'body',
    type: 'contains',
    pattern: '<title>gateprotect Content Filter Message</title>',
  },
  // asus-router
  {
    name: 'cl.prod_asus_router_block_forward',
    product: 'asus-router',
    location: 'body',
    type: 'contains',
    pattern: ':80/blocking.asp?cat_id=',
  },
  // ibm-qradar
  {
    name: 'cp.a_prod_ibm_qradar',
    product: 'ibm-qradar',
    location: 'body',
    type: 'contains',
    pattern: 'The system has blocked access to the website according to your company policy.',
  },
  // allot
  {
    name: 'cp.a_prod_allot',
    product: 'allot',
    location: 'body',
    type: 'contains',
    pattern: '<IMG src="http://www.allot.com/images/allot_logo.gif">',
  },
  // netentsec
  {
    name: 'cp.a_prod_netentsec',
    product: 'netentsec',
    location: 'body',
    type: 'contains',
    pattern: '<title>NetentSec Content Filter - Access Denied</title>',
  },
  // webkeeper
  {
    name: 'cp.a_prod_webkeeper',
    product: 'webkeeper',
    location: 'body',
    type: 'contains',
    pattern: 'webkeeper_web/forbidden.jsp',
  },
  // smartxfilter
  {
    name: 'cp.a_prod_smartxfilter',
    product: 'smartxfilter',
    location: 'body',
    type: 'contains',
    pattern: 'SmartXFilter Message',
  },
  // senhua
  {
    name: 'cp.a_prod_senhua',
    product: 'senhua',
    location: 'body',
    type: 'contains',
    pattern: '/senhuablock.htm";',
  },
  // msecure
  {
    name: 'cp.a_prod_msecure_2',
    product: 'msecure',
    location: 'body',
    type: 'contains',
    pattern: 'MSecure_WebSecurit_block_files',
  },
  // vas-experts
  {
    name: 'cl.prod_vasexperts_forward',
    product: 'vas-experts',
    location: 'header.location',
    type: 'contains',
    pattern: 'vasexperts.ru',
  },
  {
    name: 'cl.prod_vasexperts_blockpage_2',
    product: 'vas-experts',
    location: 'body',
    type: 'contains',
    pattern: 'mc.yandex.ru/watch/21144079',
  },
  {
    name: 'cp.a_prod_vasexperts_body',
    product: 'vas-experts',
    location: 'body',
    type: 'contains',
    pattern: 'http://vasexperts.ru/test/blocked.php',
  },
  // wirefilter
  {
    name: 'cl.prod_wirefilter',
    product: 'wirefilter',
    location: 'header.location',
    type: 'contains',
    pattern: 'Protected by WireFilter',
  },
  // eset
  {
    name: 'cp.a_prod_eset_1',
    product: 'eset',
    location: 'body',
    type: 'contains',
    pattern: 'Alert! - ESET Endpoint Antivirus',
  },
  {
    name: 'cp.a_prod_eset_2',
    product: 'eset',
    location: 'body',
    type: 'contains',
    pattern: 'Alerta! - ESET File Security',
  },
  {
    name: 'cp.a_prod_eset_3',
    product: 'eset',
    location: 'body',
    type: 'contains',
    pattern: 'Alert! - ESET File Security',
  },
  // drweb
  {
    name: 'cp.a_prod_drweb_1',
    product: 'drweb',
    location: 'body',
    type: 'contains',
    pattern: '<title>Dr.Web strongly advises you against visiting this website</title>',
  },
  {
    name: 'cp.a_prod_drweb_2_body',
    product: 'drweb',
    location: 'body',
    type: 'contains',
    pattern: 'https://support.drweb.com/new/urlfilter',
  },
  {
    name: 'cp.a_prod_drweb_2_location',
    product: 'drweb',
    location: 'header.location',
    type: 'prefix',
    pattern: 'https://support.drweb.com/new/urlfilter',
  },
  {
    name: 'cp.a_prod_spirdergate',
    product: 'drweb',
    location: 'body',
    type: 'contains',
    pattern: 'URL is blocked by SpIDer Gate',
  },
  // cp.a_prod_drweb_3: OONI has "URL .* Sp.*er Gate"; bounded here so that a long body cannot
  // make it backtrack for long.
  {
    name: 'cp.a_prod_drweb_3',
    product: 'drweb',
    location: 'body',
    type: 'regexp',
    pattern: 'URL .{0,300} Sp.{0,6}er Gate',
  },
  // totalav
  {
    name: 'cp.a_prod_totalav',
    product: 'totalav',
    location: 'body',
    type: 'contains',
    pattern: '<title>Total AV Blocked</title>',
  },
  {
    name: 'cp.a_prod_totalav_3',
    product: 'totalav',
    location: 'body',
    type: 'contains',
    pattern: 'otal AV Bloccato',
  },
  {
    name: 'cp.a_prod_totalav_4',
    product: 'totalav',
    location: 'body',
    type: 'contains',
    pattern: 'Total AV Bloqueados',
  },
];

/**
 * Proxies identified on responses they relay (not only on their own pages): a match names the
 * proxy in the path, not a block. Used by `matchProxyProduct`.
 */
export const PROXY_FINGERPRINTS: readonly Fingerprint[] = [
  // ooni.in_1: scope inst; generalised from ooni.br_0, ooni.in_1 and ooni.in_2 (host names
  // dropped), e.g. "1.1 wsa07.grupoamil.com.br:80 (Cisco-WSA/9.1.2-010)".
  {
    name: 'ooni.in_1',
    product: 'cisco-web-security',
    location: 'header.via',
    type: 'contains',
    pattern: '(Cisco-WSA/',
  },
  // ooni.be_1: scope inst; generalised (host dropped) from "1.1 webfilter.stjohns.net
  // (http_scan_byf/3.5.16)"; ooni.us_0 shows the same agent on a host named MLD-C-Barracuda.
  {
    name: 'ooni.be_1',
    product: 'barracuda',
    location: 'header.via',
    type: 'contains',
    pattern: '(http_scan_byf/',
  },
  // Not from OONI: Squid names itself in the Server header of the replies it generates
  // (src/errorpage.cc, "Server: squid/<version>") and adds X-Squid-Error to its error replies
  // ("X-Squid-Error: ERR_ACCESS_DENIED 0"; the header is listed in Squid: The Definitive Guide,
  // header_access).
  {
    name: 'squid.server',
    product: 'squid',
    location: 'header.server',
    type: 'regexp',
    pattern: '^squid(?:/|$)',
  },
  {
    name: 'squid.x-squid-error',
    product: 'squid',
    location: 'header.x-squid-error',
    type: 'prefix',
    pattern: 'ERR_',
  },
];

/** A DNS answer that is a filter's block-page address rather than the name's real address. */
export interface DnsFilterAddress {
  /** IPv4 address, dotted quad. */
  address: string;
  product: BlockProductId;
  /** OONI fingerprint name, or the source of a row not from OONI. */
  name: string;
}

/**
 * DNS csv, scope `prod` only, for named filtering products. Left out: ooni.ru_83 (RKN, national),
 * ooni.zz_7 and ooni.zz_9 (no product named), ooni.zz_8 (an unblocking service),
 * ooni.kh_dns_2 (10.10.10.1, a private address many routers use) and the `vbw` answers
 * (0.0.0.0, 127.0.0.1, 1.2.3.4), which say "blocked" but not by whom.
 */
export const DNS_FILTER_ADDRESSES: readonly DnsFilterAddress[] = [
  // Cisco's "Learn the Umbrella Block Page IP Addresses" (cisco.com, document 224799): domain
  // list .104, command and control .105, content category .106 (also cl.dns_prod_opendns_1),
  // malware .107, phishing .108, security integrations .110; .109 is not listed.
  { address: '146.112.61.104', product: 'cisco-umbrella', name: 'cisco.umbrella_block_page_ips' },
  { address: '146.112.61.105', product: 'cisco-umbrella', name: 'cisco.umbrella_block_page_ips' },
  { address: '146.112.61.106', product: 'cisco-umbrella', name: 'cl.dns_prod_opendns_1' },
  { address: '146.112.61.107', product: 'cisco-umbrella', name: 'cisco.umbrella_block_page_ips' },
  { address: '146.112.61.108', product: 'cisco-umbrella', name: 'cisco.umbrella_block_page_ips' },
  { address: '146.112.61.110', product: 'cisco-umbrella', name: 'cisco.umbrella_block_page_ips' },
  { address: '208.69.32.164', product: 'cisco-umbrella', name: 'cl.dns_prod_opendns_2' },
  { address: '208.91.112.55', product: 'fortiguard', name: 'cl.dns_prod_fortidns' },
  { address: '204.110.220.2', product: 'securly', name: 'cl.dns_prod_securely_1' },
  { address: '52.52.63.90', product: 'securly', name: 'cl.dns_prod_securely_2' },
  { address: '185.228.168.254', product: 'cleanbrowsing', name: 'ooni.zz_4' },
  { address: '207.246.127.171', product: 'cleanbrowsing', name: 'ooni.zz_5' },
  { address: '45.77.77.148', product: 'cleanbrowsing', name: 'ooni.zz_6' },
  { address: '3.93.224.57', product: 'watchguard', name: 'ooni.zz_10' },
  { address: '52.206.227.167', product: 'watchguard', name: 'ooni.zz_11' },
  { address: '176.103.130.135', product: 'adguard', name: 'ooni.mm_7' },
  { address: '94.140.14.35', product: 'adguard', name: 'ooni.us_dns_1' },
];

/** Only this much of a body is examined: block pages are small and put their marks early. */
export const MAX_BODY_CHARS = 64 * 1024;

interface CompiledFingerprint {
  fingerprint: Fingerprint;
  /** Lower-case header name, or null for the body. */
  header: string | null;
  test: (value: string) => boolean;
}

function compile(fp: Fingerprint): CompiledFingerprint | null {
  const header = fp.location === 'body' ? null : fp.location.slice('header.'.length).toLowerCase();
  const p = fp.pattern;
  let test: (value: string) => boolean;
  switch (fp.type) {
    case 'full':
      test = (v) => v === p;
      break;
    case 'prefix':
      test = (v) => v.startsWith(p);
      break;
    case 'contains':
      test = (v) => v.includes(p);
      break;
    case 'regexp': {
      let re: RegExp;
      try {
        // No `g` or `y` flag: test() keeps no state between calls.
        re = new RegExp(p);
      } catch {
        return null; // Never happens for the committed table: a unit test compiles every row.
      }
      test = (v) => re.test(v);
      break;
    }
  }
  return { fingerprint: fp, header, test };
}

function compileAll(table: readonly Fingerprint[]): readonly CompiledFingerprint[] {
  const out: CompiledFingerprint[] = [];
  for (const fp of table) {
    const c = compile(fp);
    if (c) out.push(c);
  }
  return out;
}

// Compiled once, at module load.
const BLOCK_PAGE_MATCHERS = compileAll(BLOCK_PAGE_FINGERPRINTS);
const PROXY_MATCHERS = compileAll(PROXY_FINGERPRINTS);

/** Header values by lower-case name; repeated names (in different case) are joined by ", ". */
function headerMap(headers: HttpEvidence['headers']): Map<string, string> {
  const map = new Map<string, string>();
  if (!headers || typeof headers !== 'object') return map;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const key = name.toLowerCase();
    const seen = map.get(key);
    map.set(key, seen === undefined ? value : `${seen}, ${value}`);
  }
  return map;
}

function firstMatch(
  matchers: readonly CompiledFingerprint[],
  e: HttpEvidence,
): BlockPageMatch | null {
  const headers = headerMap(e.headers);
  const locations: string[] = [];
  if (typeof e.location === 'string' && e.location) locations.push(e.location);
  const locationHeader = headers.get('location');
  if (locationHeader && locationHeader !== e.location) locations.push(locationHeader);
  let body = typeof e.body === 'string' ? e.body : '';
  if (body.length > MAX_BODY_CHARS) body = body.slice(0, MAX_BODY_CHARS);

  for (const m of matchers) {
    let hit = false;
    if (m.header === null) {
      hit = body !== '' && m.test(body);
    } else if (m.header === 'location') {
      hit = locations.some(m.test);
    } else {
      const value = headers.get(m.header);
      hit = value !== undefined && m.test(value);
    }
    if (hit) {
      const { product, name } = m.fingerprint;
      return { product, productName: BLOCK_PRODUCTS[product].name, fingerprint: name };
    }
  }
  return null;
}

/**
 * The product whose block page or block redirect this response is, or null. Patterns are
 * matched case-sensitively (as OONI does) against the body, the redirect target and the
 * headers (header names case-insensitively); the first row that matches wins.
 */
export function matchBlockPage(e: HttpEvidence): BlockPageMatch | null {
  return firstMatch(BLOCK_PAGE_MATCHERS, e);
}

/**
 * The proxy product that relayed or answered this response, when its headers name it (Cisco
 * WSA or Barracuda in `Via`, Squid in `Server` or `X-Squid-Error`), or null. Unlike
 * `matchBlockPage`, a match does not mean the request was blocked.
 */
export function matchProxyProduct(e: HttpEvidence): BlockPageMatch | null {
  return firstMatch(PROXY_MATCHERS, e);
}

/**
 * `Via` entries that CDNs and hosting front ends in front of a site add: they are the site's
 * own reverse proxies, not a proxy on the user's network. CloudFront ("1.1 <id>.cloudfront.net
 * (CloudFront)", AWS CloudFront developer guide), Fastly and Varnish ("1.1 varnish", Fastly
 * header reference), Google Cloud load balancers ("1.1 google", Google Cloud load balancing
 * docs, target proxies), Heroku ("1.1 vegur", Heroku HTTP routing docs).
 */
const CDN_VIA_ENTRY =
  /^(?:[A-Za-z]+\/)?\d(?:\.\d)?\s+(?:varnish|google|vegur|[\w-]+\.cloudfront\.net)(?:\s+\(.*\))?$/i;

/** Split a header value on the commas that are not inside a (comment). */
function splitList(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 40 /* ( */) depth++;
    else if (c === 41 /* ) */ && depth > 0) depth--;
    else if (c === 44 /* , */ && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Squid's cache-status headers: "X-Cache: MISS from <host>", "X-Cache-Lookup: NONE from
 * <host>:<port>" (Squid src/client_side_reply.cc). CloudFront writes "Miss from cloudfront"
 * (not upper case, and excluded by name); Akamai's "TCP_MISS from" has no word boundary. */
const SQUID_CACHE_STATUS = /\b(?:HIT|MISS|NONE) from (?!cloudfront\b)\S/;

/**
 * Generic evidence that an HTTP proxy answered or relayed this response, product unknown:
 * - status 407 Proxy Authentication Required, or a `Proxy-Authenticate` header (RFC 9110
 *   §15.5.8, §11.7.1): only a proxy asks for proxy credentials;
 * - a `Via` header (RFC 9110 §7.6.3: every intermediary must add one), unless every entry is
 *   one of the CDN front ends in `CDN_VIA_ENTRY`;
 * - `X-Squid-Error` (Squid error replies) or Squid's `X-Cache` / `X-Cache-Lookup`
 *   "<status> from <host>" (Squid src/client_side_reply.cc);
 * - `Proxy-Connection` in a response (non-standard, RFC 9112 appendix C.2.2; Squid 2.x adds it
 *   to replies to proxied clients) or `Proxy-Agent` (non-standard; proxies name themselves
 *   with it, e.g. "Proxy-Agent: Squid/5.7" on a CONNECT reply);
 * - `Server: squid/<version>` (replies Squid generates itself, src/errorpage.cc);
 * - anything `matchProxyProduct` recognises.
 * A block page from `matchBlockPage` is separate evidence: check it as well.
 */
export function hasProxySignal(e: HttpEvidence): boolean {
  if (e.status === 407) return true;
  const h = headerMap(e.headers);
  if (h.has('proxy-authenticate') || h.has('x-squid-error')) return true;
  if (h.has('proxy-connection') || h.has('proxy-agent')) return true;
  const via = h.get('via');
  if (via !== undefined && !splitList(via).every((entry) => CDN_VIA_ENTRY.test(entry))) {
    return true;
  }
  for (const name of ['x-cache', 'x-cache-lookup']) {
    const value = h.get(name);
    if (value !== undefined && SQUID_CACHE_STATUS.test(value)) return true;
  }
  return matchProxyProduct(e) !== null;
}

const DNS_INDEX: ReadonlyMap<string, BlockProductId> = new Map(
  DNS_FILTER_ADDRESSES.map((a) => [a.address, a.product]),
);

const DOTTED_QUAD =
  /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAPPED_PREFIX = /^(?:0{1,4}:){5}ffff:|^::ffff:/;
const MAPPED_HEX = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** The IPv4 address in `ip` (dotted quad, or IPv4-mapped IPv6 in either notation), or null. */
function toIpv4(ip: string): string | null {
  let s = ip.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const prefix = MAPPED_PREFIX.exec(s);
  if (prefix) {
    s = s.slice(prefix[0].length);
    const hex = MAPPED_HEX.exec(s);
    if (hex) {
      const hi = Number.parseInt(hex[1] ?? '', 16);
      const lo = Number.parseInt(hex[2] ?? '', 16);
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
  }
  return DOTTED_QUAD.test(s) ? s : null;
}

/**
 * The DNS filter whose block-page address `ip` is (e.g. Cisco Umbrella's 146.112.61.104–110),
 * or null. Accepts a dotted quad or an IPv4-mapped IPv6 address ("::ffff:146.112.61.106").
 */
export function matchDnsFilterAddress(
  ip: string,
): { product: BlockProductId; productName: string } | null {
  if (typeof ip !== 'string') return null;
  const v4 = toIpv4(ip);
  const product = v4 === null ? undefined : DNS_INDEX.get(v4);
  return product === undefined ? null : { product, productName: BLOCK_PRODUCTS[product].name };
}
