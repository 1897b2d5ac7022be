import { defineBackground } from 'wxt/utils/define-background';
import { setUpEmailCheck } from './email';
import { setUpNetworkCheck } from './network';

// Every listener is registered synchronously in main(): a worker woken by an event must
// have its listeners in place before the first await (https://wxt.dev/guide/essentials/entrypoints.html#background).
export default defineBackground(() => {
  setUpNetworkCheck();
  setUpEmailCheck();
});
