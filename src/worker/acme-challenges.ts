// The ACME http-01 answers of this worker: token -> key authorization, as
// the primary's resolvers publish them. Requests for
// /.well-known/acme-challenge/ on a challenge entrypoint are answered from
// here before any router, as Traefik's own challenge router (priority
// MaxInt) does.

export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/'

let tokens = new Map<string, string>()

export function setChallenges(next: Record<string, string>): void {
  tokens = new Map(Object.entries(next))
}

/** The key authorization for a request path, '' when it names no pending token. */
export function challengeAnswer(path: string): string {
  return tokens.get(path.slice(CHALLENGE_PREFIX.length)) ?? ''
}
