import { EventEmitter } from 'node:events';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { WorkloadCertificate } from './workload-certificate.js';

export interface WorkloadCertificateManagerOptions {
  /** Obtains a new certificate (requestWorkloadCertificate bound to its options, in production). */
  issue: () => Promise<WorkloadCertificate>;
  /** Fraction of the lifetime after which the certificate is renewed, default 0.8. */
  renewAt?: number;
  /** Retry delays after a failed issuance (default 1 s doubling to 60 s). */
  backoff?: BackoffOptions;
  now?: () => number;
}

export interface WorkloadCertificateManagerEvents {
  /** A new certificate is in use (the first one, or a rotation). */
  certificate: [WorkloadCertificate];
  /** An issuance failed; the previous certificate (if any) stays in use. */
  error: [Error];
}

export type WorkloadCertificateState =
  /** No certificate yet; the first issuance is under way or being retried. */
  | 'pending'
  /** A valid certificate is in use. */
  | 'ready'
  /** Renewal is failing; the previous certificate is still in use and valid. */
  | 'renewal-failing'
  /** The certificate in use has expired and renewal keeps failing. */
  | 'expired'
  | 'closed';

/** What /status shows about the workload certificate (times as ISO strings for JSON). */
export interface WorkloadCertificateStatus {
  state: WorkloadCertificateState;
  /** The certificate in use. */
  certificate?: { uris: string[]; serialNumber: string; notBefore: string; notAfter: string };
  issued: number;
  /** Failed issuances since the last success. */
  consecutiveFailures: number;
  lastError?: string;
  lastErrorAt?: string;
  /** When the next issuance (renewal or retry) is due. */
  nextAttemptAt?: string;
}

/** Renewal happens no sooner than this after an issuance, whatever a tiny lifetime says. */
const MIN_RENEW_DELAY_MS = 100;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps a workload certificate current: issues one at start, renews at `renewAt` of its lifetime,
 * retries failures with backoff and meanwhile keeps the old certificate (a CA outage must not take
 * mTLS down while the certificate is still valid).
 */
export class WorkloadCertificateManager extends EventEmitter<WorkloadCertificateManagerEvents> {
  private cert: WorkloadCertificate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private issuedCount = 0;
  private failures = 0;
  private lastError: { message: string; at: number } | undefined;
  private nextAttemptAt: number | undefined;
  private readonly backoff: Backoff;
  private readonly renewAt: number;
  private readonly now: () => number;

  constructor(private readonly options: WorkloadCertificateManagerOptions) {
    super();
    this.renewAt = options.renewAt ?? 0.8;
    if (!(this.renewAt > 0 && this.renewAt < 1)) throw new Error(`renewAt ${this.renewAt} must be a fraction of the certificate lifetime between 0 and 1 (exclusive)`);
    this.backoff = new Backoff({ initialMs: 1000, maxMs: 60_000, ...options.backoff });
    this.now = options.now ?? Date.now;
  }

  /** Starts the first issuance. */
  start(): void {
    if (this.closed || this.timer || this.issuedCount > 0 || this.failures > 0) return;
    this.schedule(0);
  }

  /** The certificate in use (kept through failed renewals, even after expiry: there is nothing better). */
  current(): WorkloadCertificate | undefined {
    return this.cert;
  }

  status(): WorkloadCertificateStatus {
    const c = this.cert;
    const out: WorkloadCertificateStatus = { state: this.state(), issued: this.issuedCount, consecutiveFailures: this.failures };
    if (c) out.certificate = { uris: c.uris, serialNumber: c.serialNumber, notBefore: iso(c.notBefore), notAfter: iso(c.notAfter) };
    if (this.lastError) Object.assign(out, { lastError: this.lastError.message, lastErrorAt: iso(this.lastError.at) });
    if (this.nextAttemptAt !== undefined && !this.closed) out.nextAttemptAt = iso(this.nextAttemptAt);
    return out;
  }

  /** Resolves with the first certificate; rejects after `timeoutMs` with the last issuance error. */
  whenReady(timeoutMs: number): Promise<WorkloadCertificate> {
    if (this.cert) return Promise.resolve(this.cert);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('certificate', onCert);
        reject(new Error(`no workload certificate after ${timeoutMs} ms${this.lastError ? `: ${this.lastError.message}` : ''}`));
      }, timeoutMs);
      const onCert = (c: WorkloadCertificate) => {
        clearTimeout(timer);
        resolve(c);
      };
      this.once('certificate', onCert);
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private state(): WorkloadCertificateState {
    if (this.closed) return 'closed';
    if (!this.cert) return 'pending';
    if (this.failures === 0) return 'ready';
    return this.now() >= this.cert.notAfter ? 'expired' : 'renewal-failing';
  }

  private schedule(delayMs: number): void {
    const due = this.now() + delayMs;
    this.nextAttemptAt = due;
    // setTimeout fires at once beyond ~24.8 days: wake up and wait again for long-lived certificates.
    const wait = Math.min(delayMs, MAX_TIMER_MS);
    this.timer = setTimeout(() => (this.now() + 1 < due ? this.schedule(due - this.now()) : void this.attempt()), wait);
    // The agent's servers keep the process alive; a pending renewal alone should not.
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    this.timer = undefined;
    let cert: WorkloadCertificate;
    try {
      cert = await this.options.issue();
    } catch (err) {
      if (this.closed) return;
      const error = err instanceof Error ? err : new Error(String(err));
      this.failures++;
      this.lastError = { message: error.message, at: this.now() };
      this.schedule(this.backoff.next());
      if (this.listenerCount('error') > 0) this.emit('error', error);
      return;
    }
    if (this.closed) return;
    this.cert = cert;
    this.issuedCount++;
    this.failures = 0;
    this.backoff.reset();
    const renewAt = cert.notBefore + (cert.notAfter - cert.notBefore) * this.renewAt;
    this.schedule(Math.max(MIN_RENEW_DELAY_MS, renewAt - this.now()));
    this.emit('certificate', cert);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
