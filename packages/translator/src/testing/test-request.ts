/** A request as both reference matchers see it (tests only). */
export interface TestRequest {
  /** The Host/:authority header as sent, possibly with a port. */
  readonly authority: string;
  /** The original destination address (defaults to an address no test listener binds). */
  readonly address?: string;
  /** The original destination port (the listener port). */
  readonly port: number;
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  /** Header names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}
