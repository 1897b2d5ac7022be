import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { EmailCheckState } from '@/utils/email/check/state';
import type { EmailConfigSummary } from '@/utils/email/oauth';
import { EMAIL_PORT_NAME, sendMessage } from '@/utils/messaging';
import { emailCheckItem } from '@/utils/storage';

export interface EmailCheckView {
  state: EmailCheckState | null;
  /** Null until the background answered. */
  config: EmailConfigSummary | null;
  /** A failure to talk to the background (not a check error: those are in the state). */
  problem: string | null;
  setState: (state: EmailCheckState | null) => void;
  setProblem: (problem: string | null) => void;
}

/**
 * The popup's view of the email check: the state in storage, followed live, and a port to the
 * worker. While the port is connected the worker polls every 2 s; when the worker is stopped
 * the port disconnects, and reconnecting wakes it up, which resumes the wait.
 */
export function useEmailCheck(): EmailCheckView {
  const [state, setState] = useState<EmailCheckState | null>(null);
  const [config, setConfig] = useState<EmailConfigSummary | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let closed = false;
    let port: Browser.runtime.Port | undefined;
    const connect = () => {
      port = browser.runtime.connect({ name: EMAIL_PORT_NAME });
      port.onDisconnect.addListener(() => {
        if (!closed) setTimeout(() => !closed && connect(), 100);
      });
    };
    connect();
    const unwatch = emailCheckItem.watch((next) => setState(next));
    emailCheckItem.getValue().then((stored) => setState((current) => current ?? stored));
    const loadConfig = () => {
      sendMessage('getEmailConfig')
        .then((next) => !closed && setConfig(next))
        .catch((reason: unknown) =>
          setProblem(String(reason instanceof Error ? reason.message : reason)),
        );
    };
    loadConfig();
    // Enterprise policy can arrive after the popup opened (Chromium loads an extension's
    // policy asynchronously) or change while it is open.
    const onStorageChanged = (_changes: unknown, area: string) => {
      if (area === 'managed') loadConfig();
    };
    browser.storage.onChanged.addListener(onStorageChanged);
    return () => {
      closed = true;
      unwatch();
      browser.storage.onChanged.removeListener(onStorageChanged);
      port?.disconnect();
    };
  }, []);

  return { state, config, problem, setState, setProblem };
}

/** The current time, ticking every second while `active` (the countdown). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
