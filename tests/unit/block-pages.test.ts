import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_PRODUCT_IDS,
  BLOCK_PRODUCTS,
  type BlockProductId,
} from '@/utils/network/block-products';
import {
  BLOCK_PAGE_FINGERPRINTS,
  DNS_FILTER_ADDRESSES,
  type Fingerprint,
  type HttpEvidence,
  hasProxySignal,
  MAX_BODY_CHARS,
  matchBlockPage,
  matchDnsFilterAddress,
  matchProxyProduct,
  PROXY_FINGERPRINTS,
} from '../../utils/network/block-pages';

/**
 * The product list as first shipped. A diagnostic code stores the index, so this prefix must
 * never change: add new products at the end of BLOCK_PRODUCT_IDS (and of this list).
 */
const SHIPPED_PRODUCT_IDS: readonly string[] = [
  'unknown-proxy',
  'fortiguard',
  'zscaler',
  'palo-alto',
  'cisco-umbrella',
  'forcepoint',
  'iboss',
  'lightspeed',
  'netsweeper',
  'squid',
  'squidguard',
  'sonicwall',
  'check-point',
  'untangle',
  'kerio',
  'cisco-meraki',
  'bluecoat',
  'sophos',
  'securly',
  'contentkeeper',
  'cisco-web-security',
  'barracuda',
  'watchguard',
  'juniper',
  'mcafee',
  'rm-safetynet',
  'iserv',
  'comodo',
  'akamai-etp',
  'cleanbrowsing',
  'adguard',
  'nextdns',
  'safedns',
  'pihole',
  'zyxel',
  'tehtris',
  'onedns',
  'netalerts',
  'blue-shield',
  'cira-shield',
  'olfeo',
  'gateprotect',
  'asus-router',
  'ibm-qradar',
  'allot',
  'netentsec',
  'webkeeper',
  'smartxfilter',
  'senhua',
  'msecure',
  'vas-experts',
  'wirefilter',
  'eset',
  'drweb',
  'totalav',
];

interface Sample {
  product: BlockProductId;
  /** The OONI row the sample reproduces (and that must be reported). */
  fingerprint: string;
  /** The row's exp_url, as an OONI Explorer id: https://explorer.ooni.org/measurement/<id>. */
  measurement?: string;
  evidence: HttpEvidence;
}

/** A page as a block page renders it: the marks sit inside ordinary markup. */
function page(title: string, inner: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${title}</title>\n` +
    '<style>body{font-family:Arial,sans-serif;background:#f4f4f4}</style>\n</head>\n' +
    `<body>\n<div class="main">\n${inner}\n</div>\n</body>\n</html>\n`
  );
}

const SQUID_ERROR_PAGE =
  '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n' +
  '<html><head>\n<meta type="copyright" content="Copyright (C) 1996-2023 The Squid Software ' +
  'Foundation and contributors">\n<meta http-equiv="Content-Type" CONTENT="text/html; ' +
  'charset=utf-8">\n<title>ERROR: The requested URL could not be retrieved</title>\n' +
  '<style type="text/css"><!--\n /*\n * Copyright (C) 1996-2023 The Squid Software Foundation ' +
  'and contributors\n */\n\n/*\n Stylesheet for Squid Error pages\n Adapted from design by Free ' +
  'CSS Templates\n http://www.freecsstemplates.org\n*/\nhtml body { margin: 0; }\n--></style>\n' +
  '</head><body id="ERR_ACCESS_DENIED">\n<div id="titles">\n<h1>ERROR</h1>\n<h2>The requested ' +
  'URL could not be retrieved</h2>\n</div>\n<hr>\n<div id="content">\n<p>The following error ' +
  'was encountered while trying to retrieve the URL: <a href="http://app.raftr.com/">' +
  'http://app.raftr.com/</a></p>\n<blockquote id="error">\n<p><b>Access Denied.</b></p>\n' +
  '</blockquote>\n</div>\n</body></html>\n';

const SAMPLES: readonly Sample[] = [
  {
    product: 'fortiguard',
    fingerprint: 'cl.prod_fortiguard_webfilter_blocktext',
    measurement: '20200213T165957Z_AS31242_dOxoMkg9lZqvXsFm9088Fywi7WcFyRSGpq8fHB3PYfDo1FUFtD',
    evidence: {
      status: 403,
      headers: { 'content-type': 'text/html; charset="utf-8"', 'x-frame-options': 'SAMEORIGIN' },
      body: page(
        'Web Filter Violation',
        '<h3>Web Page Blocked!</h3>\n<div class="notice">\n<p>You have tried to access a web ' +
          'page which is in violation of your internet usage policy.</p>\n<p><b>URL:</b> ' +
          'app.raftr.com/</p>\n<p><b>Category:</b> Social Networking</p>\n</div>\n' +
          '<div class="footer">Powered By FortiGuard</div>',
      ),
    },
  },
  {
    product: 'fortiguard',
    fingerprint: 'cl.prod_fortiguard_ips_block',
    measurement: '20200213T073834Z_AS24863_yfzKDaLHODIsPqFCit6OJvwpGEBKF7HzG1zv2DWuDHJ7DK5XBw',
    evidence: {
      status: 403,
      body: page(
        'FortiGuard Intrusion Prevention - Access Blocked',
        '<h1>FortiGuard Intrusion Prevention - Access Blocked</h1>\n<p>The page you have ' +
          'requested has been blocked because the URL contains a virus or intrusion.</p>',
      ),
    },
  },
  {
    product: 'zscaler',
    fingerprint: 'cl.prod_zscaler_forward_1',
    measurement: '20180122T201538Z_AS22616_uLviWLsbTKGig4oiZFlS9Xz7VeSaMX2G4Tggg9MU7yflA1WQDt',
    evidence: {
      status: 307,
      // Header names arrive in any case.
      headers: {
        Location:
          'http://gateway.zscaler.net/auD?origurl=http%3A%2F%2Fapp%2eraftr%2ecom%2F&wexps=1',
        'Content-Length': '0',
      },
    },
  },
  {
    product: 'zscaler',
    fingerprint: 'cl.prod_zscaler_block',
    evidence: {
      status: 403,
      body: page(
        'Internet Security by Zscaler',
        '<h1>Website blocked</h1>\n<p>Not allowed to browse Social Networking category</p>',
      ),
    },
  },
  {
    product: 'palo-alto',
    fingerprint: 'cl.prod_paloaltonetworks_forward',
    measurement: '20191104T185520Z_AS2381_aXMx8fZVBM5t27IvVAQGscDgnoJZyhesum6rKk2zqfj25oks4m',
    evidence: {
      status: 302,
      location:
        'https://10.10.10.1:6082/php/urlblock.php?args=AAAAfwAAABD2r1bWtqGMQ2ZRAN3GkWJZ' +
        '&url=http://app.raftr.com%2f',
    },
  },
  {
    product: 'palo-alto',
    fingerprint: 'cl.prod_paloaltonetworks_block',
    measurement: '20191104T140958Z_AS8551_3ClYxxNcVYkL21ReDyEXSXYWJzjZgVSGcpycmucSI1MIBq3uDp',
    evidence: {
      status: 503,
      body:
        '<html><head><title>Web Page Blocked</title></head>\n<body bgcolor="#e7e8e9">' +
        '<div id="content"><h1>Web Page Blocked</h1><p>Access to the web page you were trying ' +
        'to visit has been blocked in accordance with company policy. Please contact your ' +
        'system administrator if you believe this is in error.</p><p><b>User:</b> </p>' +
        '<p><b>URL:</b> app.raftr.com/ </p><p><b>Category:</b> social-networking </p></div>' +
        '</body></html>',
    },
  },
  {
    product: 'cisco-umbrella',
    fingerprint: 'cl.prod_cisco_opendns_block_1',
    measurement: '20191007T155258Z_AS20115_DS8uyNobQ0CH9o9fls70ftC1ItOJ7dK5OlMG3YBs7NYrIXQ2Ty',
    evidence: {
      status: 200,
      headers: { server: 'nginx', 'content-type': 'text/html' },
      body: page(
        'app.raftr.com',
        '<h1>This site is blocked.</h1>\n<p>app.raftr.com</p>\n<p>This site is blocked due ' +
          'to content filtering.</p>',
      ),
    },
  },
  {
    product: 'cisco-umbrella',
    fingerprint: 'cl.prod_cisco_opendns_forward',
    measurement: '20180729T214053Z_AS22773_Mdk9rhM8xnJULGR1IR0yleS5X8xJfKYwLdJFrs2MxCIsSLwkeJ',
    evidence: {
      status: 302,
      headers: { location: 'https://block.opendns.com/?url=72996142585839383&server=nyc4' },
    },
  },
  {
    product: 'forcepoint',
    fingerprint: 'cl.prod_forcepoint_websense_forward',
    measurement: '20190913T145843Z_AS786_MVKkIkzY2jFPMlH7ZCG093OubMBNJwKxJq4OAek0kdw0Z2p2oy',
    evidence: {
      status: 302,
      headers: { location: 'http://10.20.0.5:15871/cgi-bin/blockpage.cgi?ws-session=3232240897' },
    },
  },
  {
    product: 'forcepoint',
    fingerprint: 'cl.prod_forcepoint_websense_blockpage_2',
    measurement: '20200204T114540Z_AS5619_LcwP0ODKUovrjaf3xYK8i2VnBx9XSNHa6Jdo1Em2g5NUcKmNDv',
    evidence: {
      status: 200,
      body:
        '<html><frameset rows="60%,*"><frame src="http://10.20.0.5:15871/cgi-bin/' +
        'block_message.cgi?ws-session=3232240897"></frameset></html>',
    },
  },
  {
    product: 'iboss',
    fingerprint: 'cl.prod_iboss_forwardtoblock_2',
    measurement: '20171215T185429Z_AS393581_Oc1mYR1Bb4Y5lucLnjaHx8IWSGQKaoXS8ZkjAllz2edhoi1Ws9',
    evidence: {
      status: 302,
      location: 'http://cb.iphantom.com/block/restricted.html?fn=0&url=app.raftr.com%2F&cat=41',
    },
  },
  {
    product: 'lightspeed',
    fingerprint: 'cl.prod_lightspeed_filter_blockpage',
    measurement: '20191002T174831Z_AS26670_EWuOb35WpxA8HL2UGPAqCD6UPl0BnOhvwgeU87jmQVPsWSZljC',
    evidence: {
      status: 200,
      body:
        '<html><head><title>Lightspeed System - Web Access</title></head><body>' +
        '<h1>Web Access Blocked</h1><p>app.raftr.com is blocked by your school.</p></body></html>',
    },
  },
  {
    product: 'netsweeper',
    fingerprint: 'cl.prod_netsweeper_inject_2',
    measurement: '20181208T133424Z_AS42961_V48ENKhCXwvMW9BsnGKb4mC2p8PoOJRBI9kbF3t4lC5puLcXE2',
    evidence: {
      status: 200,
      body:
        '<html><head></head><body><iframe src="http://10.0.0.20:8080/webadmin/deny/index.php?' +
        'dpid=2&dpruleid=3&cat=105&ttl=0&groupname=Students&policyname=Default&url=' +
        'http%3a%2f%2fapp%2eraftr%2ecom%2f" width="100%" height="100%" frameborder=0></iframe>' +
        '</body></html>',
    },
  },
  {
    product: 'squid',
    fingerprint: 'cl.prod_squid_error_page',
    measurement: '20191222T110018Z_AS8452_iDqrGOsuG3oZgbSax3PPtuzTGSPUmFtQab5L0Gizvr7nZqJZ8F',
    evidence: {
      status: 403,
      headers: {
        server: 'squid/5.7',
        'x-squid-error': 'ERR_ACCESS_DENIED 0',
        'x-cache': 'MISS from proxy.campus.example.edu',
        'content-type': 'text/html;charset=utf-8',
      },
      body: SQUID_ERROR_PAGE,
    },
  },
  {
    product: 'squidguard',
    fingerprint: 'cl.prod_squidguard_forward',
    measurement: '20190904T065601Z_AS6720_FJDttShzEsIa3mATRsC6n9K9KbJkC22VEawXxyA7BKOlVx76TR',
    evidence: {
      status: 302,
      location:
        'http://filter.school.example/cgi-bin/squidGuard.cgi?clientaddr=10.0.4.17&clientname=' +
        '&clientuser=&clientgroup=wlan&targetgroup=social&url=http://app.raftr.com/',
    },
  },
  {
    product: 'squidguard',
    fingerprint: 'cl.prod_squid_error_forward',
    measurement: '20191014T112153Z_AS766_i7LuwpPrUtwgjjjCNCFwsnvNv8yih3PLXE7lvAF8MyDaSC4abw',
    evidence: {
      status: 302,
      location:
        'http://192.168.1.1:80/sgerror.php?url=403%20&a=10.0.0.23&n=&i=&s=Students' +
        '&t=blk_BL_socialnet&u=http://app.raftr.com/',
    },
  },
  {
    product: 'sonicwall',
    fingerprint: 'cl.prod_sonicwall_cfc',
    measurement: '20190530T060325Z_AS9930_aFIp6ijOM0HCyMp1Zo0BA01CHkisHlohZcn9WmB3R43ijK8LYt',
    evidence: {
      status: 200,
      headers: { server: 'SonicWALL' },
      body: page(
        'SonicWALL - Web Site Blocked',
        '<p>Web Site Blocked: app.raftr.com</p>\n<p>If you believe the above web site is rated ' +
          'incorrectly click <a href="http://cfssupport.sonicwall.com/">here</a>.</p>',
      ),
    },
  },
  {
    product: 'sonicwall',
    fingerprint: 'ooni.br_1',
    evidence: { status: 403, headers: { Server: 'SonicWALL' }, body: '<html>Blocked</html>' },
  },
  {
    product: 'check-point',
    fingerprint: 'cl.prod_checkpoint_urlfilter_forward',
    measurement: '20180818T200128Z_AS4760_TDbPbBLoW8PxHn3FBNwwWBvR37pnyiJF99qrbqE50tLSgigSQl',
    evidence: {
      status: 302,
      location: 'http://10.1.1.1/UserCheck/PortalMain?IID={6F2AE15C-6DE9-4A9E-8F5A}&frame=1',
    },
  },
  {
    product: 'check-point',
    fingerprint: 'cl.prod_checkpoint_urlfilter_blockpage',
    measurement: '20190103T083125Z_AS378_YGjxy3hs0CJ7KNbCqT28ZyNH7IHFuHEEyJ9kdfdQz2vemBJBLZ',
    evidence: {
      status: 200,
      body: page('Check Point UserCheck', '<h1>Access to app.raftr.com is blocked</h1>'),
    },
  },
  {
    product: 'untangle',
    fingerprint: 'cl.prod_untangle_forward',
    measurement: '20200105T111900Z_AS60045_yvYmENVuUcOj3ihDAatweKpOZp8aFhloYnrM8XRr9xUgHafPhH',
    evidence: {
      status: 307,
      location: 'http://192.168.2.1/web-filter/blockpage?nonce=6d7f3c9a0b1e2d4f&appid=9',
    },
  },
  {
    product: 'kerio',
    fingerprint: 'cl.prod_gfi_kerio',
    measurement: '20191104T031908Z_AS17974_a3tPUBwPAnNTdi3CZQLHiLFOVN0Uq8kPSdpPSibdW9KCgtdvkw',
    evidence: {
      status: 200,
      headers: { server: 'Kerio Control Embedded Web Server' },
      body: page('Kerio Control', '<h1>This page has been blocked by Kerio Control</h1>'),
    },
  },
  {
    product: 'kerio',
    fingerprint: 'ooni.cl_0',
    evidence: { status: 403, headers: { server: 'Kerio Control Embedded Web Server' } },
  },
  {
    product: 'cisco-meraki',
    fingerprint: 'cl.prod_ciscomeraki_filter_forward',
    measurement: '20191207T201222Z_AS701_g1N8na12mnYVLDYH7o0fxRvHhOmRKyqU1QInZvOSp0P7Xiv7gB',
    evidence: {
      status: 302,
      location:
        'http://wired.meraki.com:8090/blocked.cgi?blocked_server=52.8.243.15:80' +
        '&blocked_url=http%3A%2F%2Fapp.raftr.com%2F&blocked_categories=bc_55',
    },
  },
  {
    product: 'bluecoat',
    fingerprint: 'cl.prod_bluecoat_notify_forward',
    measurement: '20181014T082454Z_AS15505_UlzScz9IQ0QBGrAg6CscMDzF2FeTJhqWXiOvcQYZGj2uFI9BD0',
    evidence: {
      status: 302,
      location: 'http://notify.bluecoat.com/notify-NotifyUser1?http://app.raftr.com/',
    },
  },
  {
    product: 'sophos',
    fingerprint: 'ooni.ug_cyber_roam_0',
    measurement: '20160927T035653Z_AS37027_3rGH0c3HxdARB8yPZbQIY9GevVO5FPLESGqrAojrg6XqYemfBZ',
    evidence: {
      status: 200,
      body: page(
        'Access Denied',
        '<p>The page you are trying to access has been blocked.</p>\n' +
          '<p class="footer">Cyberoam is securing you. Click here to know more.</p>',
      ),
    },
  },
  {
    product: 'contentkeeper',
    fingerprint: 'ooni.au_2',
    measurement: '20190727T072541Z_AS132909_MpSZSKk7KLUGwYzXlP6Q1BTllFuPXmFxAZjvUyZrOYjJa6RlVD',
    evidence: {
      status: 200,
      body: page('Blocked by ContentKeeper', '<h1>Access to app.raftr.com is restricted</h1>'),
    },
  },
  {
    product: 'cisco-web-security',
    fingerprint: 'ooni.us_5',
    evidence: {
      status: 302,
      location: 'http://alert.scansafe.net/alert/process?h=app.raftr.com&c=12&s=4f2a',
    },
  },
  {
    product: 'barracuda',
    fingerprint: 'ooni.pa_0',
    evidence: {
      status: 200,
      body: page('Redirecting', '<p>Redirecting you to Barracuda Web Filter.</p>'),
    },
  },
  {
    product: 'barracuda',
    fingerprint: 'ooni.zz_2',
    evidence: { status: 403, headers: { server: 'Barracuda/NGFirewall' } },
  },
  {
    product: 'watchguard',
    fingerprint: 'cp.a_prod_watchguard_3',
    evidence: {
      status: 403,
      body: page(
        'Response denied by WatchGuard HTTP Proxy',
        '<p>Reason: category &apos;Social Networking&apos; denied by WebBlocker</p>',
      ),
    },
  },
  {
    product: 'juniper',
    fingerprint: 'cl.prod_juniper_webfilter',
    measurement: '20191128T071619Z_AS30844_j5az7WIvAuc0VHR60QoTNWGVAqciBLQKuzbzodGeFWn6McCt6N',
    evidence: {
      status: 200,
      body: page('Juniper Web Filtering', '<p>Access to app.raftr.com is denied.</p>'),
    },
  },
  {
    product: 'mcafee',
    fingerprint: 'cp.a_prod_mcafee_1',
    evidence: {
      status: 403,
      body:
        '<html>\n<head>\n <title>McAfee Web Gateway - Notification - Blocked by URL filtering' +
        '</title>\n</head>\n<body><h1>URL Blocked</h1></body></html>',
    },
  },
  {
    product: 'rm-safetynet',
    fingerprint: 'cl.prod_rmedufilter_forward',
    measurement: '20190924T111147Z_AS5503_tbltX9RU8fCAkZoJf6fhR3wC8TEukKjHbBm6pT54GZnYbFLTiL',
    evidence: {
      status: 302,
      location: 'http://www.ifl.net/filterpages/blocked.html?url=app.raftr.com',
    },
  },
  {
    product: 'iserv',
    fingerprint: 'cl.prod_iserv_forward',
    measurement: '20200109T094904Z_AS31334_JILxtOIrBF8JOwG6MVY9ZGzR6hzqTAsjIjRaf4ULM4LEDVKZ6q',
    evidence: {
      status: 302,
      location: 'https://schule.example.de/idesk/inet/block.php?url=http%3A%2F%2Fapp.raftr.com',
    },
  },
  {
    product: 'comodo',
    fingerprint: 'cl.prod_comodo_securedns_forward',
    measurement: '20190924T211601Z_AS6856_p2XyAY2gncrEiK23Ac5zqFDfYHF83J94NEp4fyxbKWNrGTdXBk',
    evidence: {
      status: 302,
      location: 'http://warn.recursive.dnsbycomodo.com/?url=app.raftr.com&cat=block',
    },
  },
  {
    product: 'akamai-etp',
    fingerprint: 'cp.a_prod_akamai_etp_location',
    evidence: { status: 302, location: 'http://error.etp.akamai.com/error.html?domain=raftr' },
  },
  {
    product: 'adguard',
    fingerprint: 'cp.a_prod_adguard_satellite',
    evidence: {
      status: 200,
      body: page(
        'Access blocked',
        '<!-- blocking-pages - Blocking pages for AdGuard projects -->\n<h1>Access blocked</h1>',
      ),
    },
  },
  {
    product: 'nextdns',
    fingerprint: 'cp.a_prod_nextdns_satellite',
    evidence: {
      status: 200,
      body: "<html><script>console.info('Blocked-By: NextDNS');</script></html>",
    },
  },
  {
    product: 'safedns',
    fingerprint: 'cp.a_prod_safedns_satellite_body',
    evidence: {
      status: 200,
      body: page(
        'Blocked',
        '<link rel="stylesheet" href="https://blockpage-cdn.safedns.com/css/main.css">',
      ),
    },
  },
  {
    product: 'pihole',
    fingerprint: 'cp.a_prod_pihole_1_satellite',
    evidence: {
      status: 200,
      body:
        '<!DOCTYPE html>\n<!-- Pi-hole: A black hole for Internet advertisements\n' +
        '*  (c) 2017 Pi-hole, LLC (https://pi-hole.net) -->\n<html><body>Blocked</body></html>',
    },
  },
  {
    product: 'zyxel',
    fingerprint: 'cp.a_prod_zyxel_satellite',
    evidence: {
      status: 200,
      body: page('Zyxel Security Cloud-DNS Filter Service Portal', '<h1>Blocked</h1>'),
    },
  },
  {
    product: 'tehtris',
    fingerprint: 'cp.a_prod_tehtris_satellite',
    evidence: { status: 200, body: page('TEHTRIS DNS Firewall', '<h1>Access denied</h1>') },
  },
  {
    product: 'onedns',
    fingerprint: 'cp.a_prod_onedns_satellite',
    evidence: { status: 200, body: page('OneDNS block system', '<h1>Blocked</h1>') },
  },
  {
    product: 'netalerts',
    fingerprint: 'cp.a_prod_netalerts_satellite',
    evidence: {
      status: 200,
      body:
        '<html><head><script type="text/javascript" src="https://blocked.netalerts.io/' +
        'index.js"></script></head><body></body></html>',
    },
  },
  {
    product: 'blue-shield',
    fingerprint: 'cp.a_prod_blue_shield_satellite',
    evidence: { status: 200, body: page('Blocked by BLUE SHIELD v3', '<h1>Blocked</h1>') },
  },
  {
    product: 'cira-shield',
    fingerprint: 'cp.d_corp_ca_cira_2_satellite',
    evidence: {
      status: 302,
      location: 'https://cira.ca:443/CanadianShield/Active/ScamFilter?domain=app.raftr.com',
    },
  },
  {
    product: 'olfeo',
    fingerprint: 'ooni.fr_2',
    measurement: '20181013T160011Z_AS3215_IRIYlWDvBY8FTKrWmI3C6GrvGXVEeHwibS9J9AeorEPZbKp62j',
    evidence: { status: 403, headers: { server: 'Olfeo' }, body: page('Accès refusé', '') },
  },
  {
    product: 'gateprotect',
    fingerprint: 'ooni.sd_2',
    evidence: { status: 200, body: page('gateprotect Content Filter Message', '<h1>Denied</h1>') },
  },
  {
    product: 'asus-router',
    fingerprint: 'cl.prod_asus_router_block_forward',
    measurement: '20210831T074011Z_webconnectivity_SG_55430_n1_SBUMMY2FXDiMEa7p',
    evidence: {
      status: 200,
      body:
        "<html><script>window.top.location.href='http://192.168.50.1:80/blocking.asp?" +
        "cat_id=69&mac=F0:2F:74:12:34:56&domain=app.raftr.com';</script></html>",
    },
  },
  {
    product: 'ibm-qradar',
    fingerprint: 'cp.a_prod_ibm_qradar',
    evidence: {
      status: 403,
      body: page(
        'Access blocked',
        '<p>The system has blocked access to the website according to your company policy.</p>',
      ),
    },
  },
  {
    product: 'allot',
    fingerprint: 'cp.a_prod_allot',
    evidence: {
      status: 200,
      body:
        '<HTML><BODY><IMG src="http://www.allot.com/images/allot_logo.gif"><P>Access denied' +
        '</P></BODY></HTML>',
    },
  },
  {
    product: 'netentsec',
    fingerprint: 'cp.a_prod_netentsec',
    evidence: {
      status: 200,
      body: page('NetentSec Content Filter - Access Denied', '<h1>Access Denied</h1>'),
    },
  },
  {
    product: 'webkeeper',
    fingerprint: 'cp.a_prod_webkeeper',
    evidence: {
      status: 200,
      body:
        '<meta http-equiv="refresh" content="0;url=http://10.0.0.1/webkeeper_web/forbidden.jsp' +
        '?url=app.raftr.com">',
    },
  },
  {
    product: 'smartxfilter',
    fingerprint: 'cp.a_prod_smartxfilter',
    evidence: { status: 200, body: page('SmartXFilter Message', '<h1>Blocked</h1>') },
  },
  {
    product: 'senhua',
    fingerprint: 'cp.a_prod_senhua',
    evidence: {
      status: 200,
      body: '<script>top.location.href = "http://10.0.0.1/senhuablock.htm";</script>',
    },
  },
  {
    product: 'msecure',
    fingerprint: 'cp.a_prod_msecure_2',
    evidence: {
      status: 200,
      body: '<html><link rel=File-List href="MSecure_WebSecurit_block_files/filelist.xml"></html>',
    },
  },
  {
    product: 'vas-experts',
    fingerprint: 'cl.prod_vasexperts_forward',
    measurement: '20190618T124754Z_AS31261_OrJwUWO1xCLKQWLvmRjNuRB64rxBxnjln9jPQbRP5GL5WtNbAs',
    evidence: {
      status: 302,
      location: 'http://vasexperts.ru/test/blocked.php?url=http://app.raftr.com/',
    },
  },
  {
    // The row as OONI recorded it: the product's banner in the Location header.
    product: 'wirefilter',
    fingerprint: 'cl.prod_wirefilter',
    measurement: '20200214T180921Z_AS35819_INXiu6FqyTRS0cTO8wF5nLUHtCZZIw35rfGmsrSBnD7CeNDodJ',
    evidence: { status: 302, headers: { location: 'Protected by WireFilter 8.1' } },
  },
  {
    product: 'eset',
    fingerprint: 'cp.a_prod_eset_1',
    evidence: { status: 200, body: page('Alert! - ESET Endpoint Antivirus', '<h1>Blocked</h1>') },
  },
  {
    product: 'drweb',
    fingerprint: 'cp.a_prod_drweb_2_location',
    evidence: {
      status: 302,
      location: 'https://support.drweb.com/new/urlfilter/?lng=en&url=http://app.raftr.com/',
    },
  },
  {
    product: 'drweb',
    fingerprint: 'cp.a_prod_drweb_3',
    evidence: {
      status: 200,
      body: '<html><p>URL http://app.raftr.com/ is blocked by SpIDer Gate.</p></html>',
    },
  },
  {
    product: 'totalav',
    fingerprint: 'cp.a_prod_totalav',
    evidence: { status: 200, body: page('Total AV Blocked', '<h1>Website blocked</h1>') },
  },
];

/** Responses an ordinary network gives: none of them is a block page or a proxy's. */
const ORDINARY: readonly { label: string; evidence: HttpEvidence }[] = [
  {
    label: 'a plain HTML login page behind nginx',
    evidence: {
      status: 200,
      headers: {
        server: 'nginx/1.24.0',
        'content-type': 'text/html; charset=utf-8',
        'strict-transport-security': 'max-age=31536000',
      },
      body: page(
        'Sign in · Raftr',
        '<form action="/login" method="post">\n<label>Email <input type="email" name="email">' +
          '</label>\n<label>Password <input type="password" name="password"></label>\n' +
          '<button type="submit">Sign in</button>\n</form>\n<p>Access to your campus ' +
          'community. Please contact your administrator if you cannot sign in.</p>',
      ),
    },
  },
  {
    label: 'a 204 from a connectivity check',
    evidence: { status: 204, headers: { 'content-length': '0', date: 'Tue, 02 Sep 2025' } },
  },
  {
    label: 'a JSON API error behind Cloudflare',
    evidence: {
      status: 403,
      headers: {
        server: 'cloudflare',
        'cf-ray': '8c1f2e3d4b5a6978-SJC',
        'cf-cache-status': 'DYNAMIC',
        'content-type': 'application/json',
      },
      body: '{"ok":false,"error":"access denied","message":"This session is blocked. Sign in."}',
    },
  },
  {
    label: "nginx's own 403 page",
    evidence: {
      status: 403,
      headers: { server: 'nginx' },
      body:
        '<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 ' +
        'Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    },
  },
  {
    label: 'a page served through CloudFront',
    evidence: {
      status: 200,
      headers: {
        via: '1.1 e93599ff228cc924153b1db5ec11dc55.cloudfront.net (CloudFront)',
        'x-cache': 'Miss from cloudfront',
        'x-amz-cf-pop': 'SFO53-P1',
      },
      body: '<!doctype html><html><head><title>Raftr</title></head><body></body></html>',
    },
  },
  {
    label: 'a page served through Fastly and a Google load balancer',
    evidence: {
      status: 200,
      headers: { Via: '1.1 varnish, 1.1 google', 'X-Cache': 'MISS, HIT', 'x-served-by': 'x' },
      body: '<html><body>Welcome</body></html>',
    },
  },
  {
    label: 'a sign-in redirect (with a path like the excluded Lightspeed "/access?" row)',
    evidence: { status: 302, location: 'https://app.raftr.com/access?next=%2Fhome&token=abc' },
  },
  {
    label: 'an OAuth redirect',
    evidence: {
      status: 302,
      headers: { location: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=1&scope=a' },
    },
  },
];

describe('product list', () => {
  it('keeps the shipped order (append only) with unknown-proxy at index 0', () => {
    expect(BLOCK_PRODUCT_IDS[0]).toBe('unknown-proxy');
    expect(BLOCK_PRODUCT_IDS.slice(0, SHIPPED_PRODUCT_IDS.length)).toEqual(SHIPPED_PRODUCT_IDS);
    expect(new Set(BLOCK_PRODUCT_IDS).size).toBe(BLOCK_PRODUCT_IDS.length);
  });

  it('names every product, and names only products in the list', () => {
    expect(Object.keys(BLOCK_PRODUCTS).sort()).toEqual([...BLOCK_PRODUCT_IDS].sort());
    for (const id of BLOCK_PRODUCT_IDS) expect(BLOCK_PRODUCTS[id].name.trim()).not.toBe('');
  });

  it('has evidence (a fingerprint or a DNS address) for every product but unknown-proxy', () => {
    const covered = new Set<string>([
      ...BLOCK_PAGE_FINGERPRINTS.map((f) => f.product),
      ...PROXY_FINGERPRINTS.map((f) => f.product),
      ...DNS_FILTER_ADDRESSES.map((a) => a.product),
    ]);
    const bare = BLOCK_PRODUCT_IDS.filter((id) => id !== 'unknown-proxy' && !covered.has(id));
    expect(bare).toEqual([]);
    expect(covered.has('unknown-proxy')).toBe(false);
  });
});

describe('fingerprint table', () => {
  const all: readonly Fingerprint[] = [...BLOCK_PAGE_FINGERPRINTS, ...PROXY_FINGERPRINTS];

  it('has unique names and well-formed locations', () => {
    expect(new Set(all.map((f) => f.name)).size).toBe(all.length);
    for (const f of all) {
      expect(f.location, f.name).toMatch(/^(?:body|header\.[a-z0-9-]+)$/);
      expect(f.pattern.length, f.name).toBeGreaterThan(0);
    }
  });

  it('compiles every regexp', () => {
    const regexps = all.filter((f) => f.type === 'regexp');
    expect(regexps.length).toBeGreaterThan(0);
    for (const f of regexps) expect(() => new RegExp(f.pattern), f.name).not.toThrow();
  });

  it('has no short body patterns (false positives on ordinary pages)', () => {
    for (const f of BLOCK_PAGE_FINGERPRINTS.filter((x) => x.location === 'body')) {
      expect(f.pattern.length, f.name).toBeGreaterThanOrEqual(10);
    }
  });

  it('keeps the table small enough for the background bundle', () => {
    expect(JSON.stringify(BLOCK_PAGE_FINGERPRINTS).length).toBeLessThan(25_000);
  });

  /** Text each regexp row must match; a new regexp row needs an entry here. */
  const REGEXP_EXAMPLES: Readonly<Record<string, string>> = {
    'cp.a_prod_drweb_3': 'URL http://example.org/ was stopped by SpIDer Gate',
    'squid.server': 'squid/6.6',
  };

  /** Text a row's own pattern matches, put where the row looks. */
  function evidenceFor(f: Fingerprint): HttpEvidence {
    const text =
      f.type === 'regexp'
        ? (REGEXP_EXAMPLES[f.name] ?? '')
        : f.type === 'full'
          ? f.pattern
          : f.type === 'prefix'
            ? `${f.pattern}/x?y=1`
            : `x ${f.pattern} y`;
    if (f.location === 'body') return { body: `<html><body>${text}</body></html>` };
    return { headers: { [f.location.slice('header.'.length)]: text } };
  }

  it('matches every block-page row to its own product (none hides behind another product)', () => {
    for (const f of BLOCK_PAGE_FINGERPRINTS) {
      const m = matchBlockPage(evidenceFor(f));
      expect(m?.product, f.name).toBe(f.product);
    }
  });

  it('matches every proxy row to its own product', () => {
    for (const f of PROXY_FINGERPRINTS) {
      expect(matchProxyProduct(evidenceFor(f))?.product, f.name).toBe(f.product);
    }
  });
});

describe('matchBlockPage', () => {
  it.each(SAMPLES.map((s) => [`${s.product} (${s.fingerprint})`, s] as const))(
    'recognises %s',
    (_label, sample) => {
      expect(matchBlockPage(sample.evidence)).toEqual({
        product: sample.product,
        productName: BLOCK_PRODUCTS[sample.product].name,
        fingerprint: sample.fingerprint,
      });
    },
  );

  it('has a sample for every product with an HTTP fingerprint', () => {
    const sampled = new Set(SAMPLES.map((s) => s.product));
    const missing = [...new Set(BLOCK_PAGE_FINGERPRINTS.map((f) => f.product))].filter(
      (p) => !sampled.has(p),
    );
    expect(missing).toEqual([]);
  });

  it.each(ORDINARY.map((o) => [o.label, o.evidence] as const))('ignores %s', (_label, e) => {
    expect(matchBlockPage(e)).toBeNull();
  });

  it('ignores a response with no evidence at all', () => {
    expect(matchBlockPage({})).toBeNull();
    expect(matchBlockPage({ status: 403, headers: {}, body: '' })).toBeNull();
  });

  it('reads the redirect target from `location` or from the Location header, in any case', () => {
    const target = 'http://10.20.0.5:15871/cgi-bin/blockpage.cgi?ws-session=1';
    const viaField = matchBlockPage({ status: 302, location: target });
    const viaHeader = matchBlockPage({ status: 302, headers: { LOCATION: target } });
    const both = matchBlockPage({
      location: 'https://app.raftr.com/',
      headers: { location: target },
    });
    for (const m of [viaField, viaHeader, both]) expect(m?.product).toBe('forcepoint');
  });

  it('does not look for body patterns in headers, nor for header patterns in the body', () => {
    // 'SonicWALL' is a Server-header row; a body saying it is not SonicWall's page.
    expect(matchBlockPage({ body: '<p>SonicWALL</p>' })).toBeNull();
    // A body row's text in an unrelated header.
    expect(matchBlockPage({ headers: { 'x-note': 'Powered By FortiGuard' } })).toBeNull();
  });

  it('applies full and prefix header rows exactly', () => {
    expect(matchBlockPage({ headers: { server: 'SonicWALL' } })?.product).toBe('sonicwall');
    expect(matchBlockPage({ headers: { server: 'SonicWALL-clone/1.0' } })).toBeNull();
    expect(matchBlockPage({ headers: { server: 'Olfeo/6' } })?.product).toBe('olfeo');
    expect(matchBlockPage({ headers: { server: 'NotOlfeo' } })).toBeNull();
  });

  it('examines only the first MAX_BODY_CHARS characters of the body', () => {
    const mark = 'Internet Security by Zscaler';
    const early = `${'a'.repeat(MAX_BODY_CHARS - mark.length)}${mark}`;
    const late = `${'a'.repeat(MAX_BODY_CHARS)}${mark}`;
    expect(matchBlockPage({ body: early })?.product).toBe('zscaler');
    expect(matchBlockPage({ body: late })).toBeNull();
  });

  it('is quick on a large body built to make the regexp backtrack', () => {
    const body = 'URL  Sp'.repeat(Math.ceil(MAX_BODY_CHARS / 7));
    const t0 = performance.now();
    expect(matchBlockPage({ body })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('hasProxySignal and matchProxyProduct', () => {
  it('takes a Via header as a proxy signal', () => {
    expect(hasProxySignal({ status: 200, headers: { via: '1.1 proxy.campus.example.edu' } })).toBe(
      true,
    );
    expect(hasProxySignal({ headers: { Via: '1.0 fred, 1.1 p.example.net (Apache/1.1)' } })).toBe(
      true,
    );
  });

  it("does not count a CDN's own Via entries, but does count a proxy next to them", () => {
    expect(hasProxySignal({ headers: { via: '1.1 abc123.cloudfront.net (CloudFront)' } })).toBe(
      false,
    );
    expect(hasProxySignal({ headers: { via: '1.1 varnish, 1.1 varnish' } })).toBe(false);
    expect(hasProxySignal({ headers: { via: '1.1 vegur' } })).toBe(false);
    expect(
      hasProxySignal({ headers: { via: '1.1 google, 1.1 squid.campus.example (squid/6.6)' } }),
    ).toBe(true);
  });

  it('takes 407 and proxy authentication as signals', () => {
    expect(hasProxySignal({ status: 407 })).toBe(true);
    expect(hasProxySignal({ status: 403, headers: { 'Proxy-Authenticate': 'Basic' } })).toBe(true);
  });

  it("takes Squid's headers as signals", () => {
    expect(hasProxySignal({ headers: { 'x-squid-error': 'ERR_CONNECT_FAIL 111' } })).toBe(true);
    expect(hasProxySignal({ headers: { 'x-cache': 'MISS from proxy.campus.example' } })).toBe(true);
    expect(hasProxySignal({ headers: { 'X-Cache-Lookup': 'NONE from proxy:3128' } })).toBe(true);
    expect(hasProxySignal({ headers: { server: 'squid/5.7' } })).toBe(true);
    expect(hasProxySignal({ headers: { 'proxy-connection': 'keep-alive' } })).toBe(true);
    expect(hasProxySignal({ headers: { 'proxy-agent': 'Squid/5.7' } })).toBe(true);
  });

  it("does not take CDN cache headers or Akamai's TCP_ status as Squid's", () => {
    expect(hasProxySignal({ headers: { 'x-cache': 'Hit from cloudfront' } })).toBe(false);
    expect(hasProxySignal({ headers: { 'x-cache': 'HIT, MISS' } })).toBe(false);
    expect(
      hasProxySignal({ headers: { 'x-cache': 'TCP_MISS from a23-1-2-3.deploy.akamai' } }),
    ).toBe(false);
  });

  it.each(ORDINARY.map((o) => [o.label, o.evidence] as const))('sees no proxy in %s', (_l, e) => {
    expect(hasProxySignal(e)).toBe(false);
    expect(matchProxyProduct(e)).toBeNull();
  });

  it('names the proxy product from its headers', () => {
    const wsa = { headers: { via: '1.1 wsa07.grupoamil.com.br:80 (Cisco-WSA/9.1.2-010)' } };
    expect(matchProxyProduct(wsa)).toEqual({
      product: 'cisco-web-security',
      productName: BLOCK_PRODUCTS['cisco-web-security'].name,
      fingerprint: 'ooni.in_1',
    });
    const barracuda = { headers: { Via: '1.1 webfilter.stjohns.net (http_scan_byf/3.5.16)' } };
    expect(matchProxyProduct(barracuda)?.product).toBe('barracuda');
    expect(matchProxyProduct({ headers: { server: 'squid/6.10' } })?.product).toBe('squid');
    expect(matchProxyProduct({ headers: { server: 'squidward' } })).toBeNull();
    // A relayed page is not a block page.
    expect(matchBlockPage(wsa)).toBeNull();
  });
});

describe('matchDnsFilterAddress', () => {
  it("recognises Cisco Umbrella's block-page addresses", () => {
    for (const last of [104, 105, 106, 107, 108, 110]) {
      expect(matchDnsFilterAddress(`146.112.61.${last}`)).toEqual({
        product: 'cisco-umbrella',
        productName: 'Cisco Umbrella (OpenDNS)',
      });
    }
  });

  it('ignores ordinary addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '52.8.243.15', '146.112.61.109', '146.112.62.104']) {
      expect(matchDnsFilterAddress(ip), ip).toBeNull();
    }
    // "Blocked" answers that do not say by whom (OONI scope vbw) are not products.
    expect(matchDnsFilterAddress('0.0.0.0')).toBeNull();
    expect(matchDnsFilterAddress('127.0.0.1')).toBeNull();
  });

  it('recognises every address in the table as its product', () => {
    for (const a of DNS_FILTER_ADDRESSES) {
      expect(matchDnsFilterAddress(a.address)?.product, a.name).toBe(a.product);
    }
    expect(matchDnsFilterAddress('208.91.112.55')?.product).toBe('fortiguard');
    expect(matchDnsFilterAddress('204.110.220.2')?.product).toBe('securly');
  });

  it('accepts IPv4-mapped IPv6 and surrounding noise, and rejects malformed input', () => {
    expect(matchDnsFilterAddress('::ffff:146.112.61.106')?.product).toBe('cisco-umbrella');
    expect(matchDnsFilterAddress('::FFFF:9270:3D6A')?.product).toBe('cisco-umbrella');
    expect(matchDnsFilterAddress('[::ffff:146.112.61.107]')?.product).toBe('cisco-umbrella');
    expect(matchDnsFilterAddress('0:0:0:0:0:ffff:146.112.61.104')?.product).toBe('cisco-umbrella');
    expect(matchDnsFilterAddress(' 146.112.61.108 ')?.product).toBe('cisco-umbrella');
    for (const bad of ['', '146.112.61.1040', '146.112.61', '146.112.61.104.1', 'block.opendns']) {
      expect(matchDnsFilterAddress(bad), bad).toBeNull();
    }
    expect(matchDnsFilterAddress(undefined as unknown as string)).toBeNull();
  });
});

describe('robustness', () => {
  const fragments = [
    ...new Set(
      BLOCK_PAGE_FINGERPRINTS.flatMap((f) => [f.pattern.slice(0, 6), f.pattern.slice(-6)]),
    ),
    '<html>',
    '</title>',
    'URL ',
    ' Sp',
    'er Gate',
    '\u0000',
    '\ud800',
  ];

  it('never throws on random evidence', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 3000 }),
          fc.array(fc.constantFrom(...fragments), { maxLength: 200 }).map((a) => a.join('')),
        ),
        fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 200 })),
        fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        (body, headers, status, location) => {
          const e: HttpEvidence = { body, headers, status, location };
          const m = matchBlockPage(e);
          if (m !== null) expect(BLOCK_PRODUCT_IDS).toContain(m.product);
          expect(typeof hasProxySignal(e)).toBe('boolean');
          matchProxyProduct(e);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds a block page wherever its mark sits in a random page', () => {
    const bodyRows = BLOCK_PAGE_FINGERPRINTS.filter(
      (f) => f.location === 'body' && f.type === 'contains',
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.constantFrom(...bodyRows),
        fc.string({ maxLength: 2000 }),
        (before, row, after) => {
          expect(matchBlockPage({ body: `${before}${row.pattern}${after}` })?.product).toBe(
            row.product,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on random addresses', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6()), (ip) => {
        const m = matchDnsFilterAddress(ip);
        if (m !== null) expect(BLOCK_PRODUCT_IDS).toContain(m.product);
      }),
      { numRuns: 500 },
    );
  });
});
