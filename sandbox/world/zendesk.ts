import { unix } from "./format.js";
import { ZENDESK_FIELDS } from "./reference/zendesk-fields.js";
import type { Rng } from "./rng.js";

type Rec = Record<string, unknown>;

const GROUPS = [360_001_000_011, 360_001_000_018, 360_001_000_025];
const AGENTS = [361_500_000_003, 361_500_000_010, 361_500_000_017, 361_500_000_024];
const BRAND = 360_000_100_004;
const FORM = 360_000_200_006;
/** Custom ticket fields of this account: product area (dropdown), plan (text), reproducible (checkbox). */
const CUSTOM_FIELDS = { area: 360_010_000_001, plan: 360_010_000_008, reproducible: 360_010_000_015 };
/** The custom statuses Zendesk creates for the built-in status categories. */
const CUSTOM_STATUS: Record<string, number> = {
  new: 360_020_000_001,
  open: 360_020_000_002,
  pending: 360_020_000_003,
  hold: 360_020_000_004,
  solved: 360_020_000_005,
  closed: 360_020_000_005,
};

const BODIES = [
  "Since this morning the dashboard shows no data for our account.",
  "We were charged twice this month, please check the invoice.",
  "Could you add our new finance contact to the billing emails?",
  "The export stops after a few thousand rows with a timeout.",
  "How do we enable single sign-on for our workspace?",
];

function via(rng: Rng, requester: number, domain: string | undefined): Rec {
  const channel = rng.weighted([
    ["email", 6],
    ["web", 3],
    ["api", 1],
  ] as const);
  if (channel === "email")
    return {
      channel,
      source: {
        from: {
          address: `requester-${requester}@${domain ?? "example.com"}`,
          name: `Requester ${requester}`,
        },
        to: { name: "Trueup Demo Support", address: "support@sandbox.zendesk.com" },
        rel: null,
      },
    };
  return { channel, source: { from: {}, to: {}, rel: null } };
}

/**
 * A ticket with every field the API returns: the generator's own fields, then the rest as an
 * account like this one fills them (arrays empty, nested via/satisfaction_rating objects, custom
 * fields as an array of {id, value}). `domain` is the requester's organization's domain.
 */
export function fullTicket(t: Rec, rng: Rng, domain: string | undefined): Rec {
  const status = String(t.status);
  const requester = Number(t.requester_id);
  const solved = status === "solved" || status === "closed";
  const custom = [
    { id: CUSTOM_FIELDS.area, value: rng.pick(["billing", "reporting", "integrations", "access", null]) },
    { id: CUSTOM_FIELDS.plan, value: rng.chance(0.5) ? rng.pick(["starter", "growth", "enterprise"]) : null },
    { id: CUSTOM_FIELDS.reproducible, value: rng.chance(0.3) },
  ];
  const extras: Rec = {
    via: via(rng, requester, domain),
    generated_timestamp: unix(Date.parse(String(t.updated_at))),
    raw_subject: t.subject,
    description: rng.pick(BODIES),
    recipient: rng.chance(0.6) ? "support@sandbox.zendesk.com" : null,
    submitter_id: requester,
    assignee_id: status === "new" ? null : rng.pick(AGENTS),
    group_id: rng.pick(GROUPS),
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    has_incidents: false,
    is_public: true,
    due_at: null,
    custom_fields: custom,
    satisfaction_rating: solved
      ? rng.weighted([
          [{ score: "offered" }, 5],
          [
            {
              id: 360_030_000_000 + Number(t.id),
              score: "good",
              comment: "Thanks, solved quickly.",
              reason: null,
            },
            3,
          ],
          [
            {
              id: 360_030_000_000 + Number(t.id),
              score: "bad",
              comment: "Took too long.",
              reason: "Issue took too long to resolve",
            },
            1,
          ],
        ] as const)
      : { score: "unoffered" },
    sharing_agreement_ids: [],
    custom_status_id: CUSTOM_STATUS[status] ?? null,
    fields: custom,
    followup_ids: [],
    ticket_form_id: FORM,
    brand_id: BRAND,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
  return ordered("tickets", t, extras);
}

/** An organization in the API's field order (the generator already sets every field). */
export function fullOrganization(o: Rec): Rec {
  return ordered("organizations", o, {});
}

function ordered(object: keyof typeof ZENDESK_FIELDS, r: Rec, extras: Rec): Rec {
  const out: Rec = {};
  for (const name of ZENDESK_FIELDS[object]) out[name] = name in r ? r[name] : (extras[name] ?? null);
  for (const name of Object.keys(r))
    if (!(name in out))
      throw new Error(
        `Zendesk ${object} field ${name} is not in the field list: add it to sandbox/world/reference/zendesk-fields.ts`,
      );
  return out;
}
