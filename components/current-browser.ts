import { browserFromUserAgent, type Evidence, type UaBrand } from '@/utils/evidence';

/** This browser, as a diagnostic code records it (family and major version). */
export function currentBrowser(): Evidence['browser'] {
  const uaData = (navigator as Navigator & { userAgentData?: { brands?: UaBrand[] } })
    .userAgentData;
  return browserFromUserAgent(navigator.userAgent, uaData?.brands);
}
