import type { Schemas } from '../api/client';

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const STATUS_LABELS: Record<LeadStatus, string> = {
  new: 'New',
  contacted: 'Contacted',
  qualified: 'Qualified',
  converted: 'Converted',
  lost: 'Lost',
};

type PartnershipLead = Schemas['LeadListItem']['partnership_leads'][number];

/** "Sent to Acme" / "From Acme" for a lead that went through a partnership. */
export function partnerLabel(pl: PartnershipLead | undefined): string | undefined {
  if (!pl) return undefined;
  return pl.direction === 'sent'
    ? `Sent to ${pl.received_by_company_name}`
    : `From ${pl.sent_by_company_name}`;
}

export function leadTitle(lead: {
  company_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}): string {
  return (
    lead.company_name ||
    [lead.first_name, lead.last_name].filter(Boolean).join(' ') ||
    lead.email ||
    'Untitled lead'
  );
}
