import { useEffect, useState } from 'preact/hooks';
import { type Browser, browser } from 'wxt/browser';
import { type EmailCheckState, isEmailCheckBehind } from '@/utils/email/check/state';
import type { EmailConfigSummary } from '@/utils/email/oauth';
import { EMAIL_PORT_NAME, sendMessage } from '@/utils/messaging';
import { emailCheckItem, watchManagedPolicy } from '@/utils/storage';
import { useStoredItem } from './use-stored-item';

export interface EmailCheckView {
  state: EmailCheckState | null;
  /** Null until the background answered. */
  config: EmailConfigSummary | null;
  /** A failure to talk to the background (not a check error: those are in the state). */
  problem: string | null;
  /** Shows the background's reply to a message, unless storage already showed a later state. */
  replied: (state: EmailCheckState | null) => void;
  setProblem: (problem: string | null) => void;
}

/**
 * The popup's view of the email check: the state in storage, followed live, and a port to the
 * worker. While the port is connected the worker polls every 2 s; when the worker is stopped
 * the port disconnects, and reconnecting wakes it up, which resumes the wait.
 */
export function useEmailCheck(): EmailCheckView {
  const [state, replied] = useStoredItem(emailCheckItem, isEmailCheckBehind);
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
    const unwatchPolicy = watchManagedPolicy(loadConfig);
    return () => {
      closed = true;
      unwatchPolicy();
      port?.disconnect();
    };
  }, []);

  return { state, config, problem, replied, setProblem };
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
