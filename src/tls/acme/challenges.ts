// The http-01 answers pending in the primary, handed to every worker as a
// whole set. A token is published before the CA is told to validate, and
// the CA is told only once every worker has it.
export interface ChallengePublisher {
  (version: number, tokens: Record<string, string>): Promise<void>
}

export class ChallengeBoard {
  private readonly tokens = new Map<string, string>()
  private version = 0
  private publisher: ChallengePublisher | null = null

  connect(p: ChallengePublisher): void {
    this.publisher = p
  }

  all(): Record<string, string> {
    return Object.fromEntries(this.tokens)
  }

  async set(token: string, keyAuthorization: string): Promise<void> {
    this.tokens.set(token, keyAuthorization)
    await this.publish()
  }

  async delete(token: string): Promise<void> {
    if (this.tokens.delete(token)) await this.publish()
  }

  private async publish(): Promise<void> {
    await this.publisher?.(++this.version, this.all())
  }
}
