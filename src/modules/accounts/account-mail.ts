import type { Logger } from '../../lib/logger.js';
import type { Mailer } from '../../lib/mailer.js';

// The links people get (invitations, password resets) and the e-mails that carry them. A link
// holds a bearer token: it goes into the e-mail or, without SMTP, into one response to the
// person who asked for it; it is never logged (errors are logged without the message).

export interface InvitationMail {
  to: string;
  url: string;
  companyName: string;
  /** A partner invitation: the company that invites them to partner. */
  partnerCompanyName?: string | undefined;
  inviterName?: string | undefined;
}

export class AccountMail {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer | undefined,
    private readonly publicUrl: string,
    private readonly logger: Logger,
  ) {}

  /** True when links are e-mailed (SMTP_URL set); otherwise they are shown once instead. */
  get sends(): boolean {
    return this.mailer !== undefined;
  }

  inviteUrl = (token: string) => `${this.publicUrl}/invite/${token}`;
  resetUrl = (token: string) => `${this.publicUrl}/reset-password/${token}`;

  async sendInvitation(mail: InvitationMail): Promise<void> {
    if (!this.mailer) return;
    const who = mail.inviterName ? `${mail.inviterName} invites you` : 'You are invited';
    const text = mail.partnerCompanyName
      ? `${mail.partnerCompanyName} invites ${mail.companyName} to partner with them on Journeybee.\n\n` +
        `Set your password to see and accept the invitation:\n\n${mail.url}\n\n`
      : `${who} to join ${mail.companyName} on Journeybee.\n\nSet your password to join:\n\n${mail.url}\n\n`;
    await this.mailer.send({
      to: mail.to,
      subject: mail.partnerCompanyName
        ? `${mail.partnerCompanyName} invites you to partner on Journeybee`
        : `Join ${mail.companyName} on Journeybee`,
      text: `${text}The link works once and expires in 7 days.\n`,
    });
  }

  /**
   * Sends a reset link after the response: the request answers the same whether or not the
   * email has an account. The send is awaited by `drain()` when the server closes.
   */
  sendResetLater(to: string, companyName: string, url: string): void {
    const mailer = this.mailer;
    if (!mailer) return;
    const sending = mailer
      .send({
        to,
        subject: 'Reset your Journeybee password',
        text:
          `Someone (hopefully you) asked to reset the password of your ${companyName} account on Journeybee.\n\n` +
          `Choose a new password here:\n\n${url}\n\nThe link works once and expires in 1 hour. ` +
          'If you did not ask for it, ignore this e-mail: your password stays as it is.\n',
      })
      .catch((err: Error) => {
        // The error's message could quote the mail; its code is enough to diagnose.
        this.logger.warn({ err: { code: (err as { code?: string }).code } }, 'could not send a reset e-mail');
      })
      .finally(() => this.pending.delete(sending));
    this.pending.add(sending);
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }
}
