import type { Config, SourceSystem } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";

export interface Freshness {
  source: string;
  lastSuccess: Date | null;
  ageHours: number | null;
  slaHours: number | null;
  breached: boolean;
}

/**
 * Freshness per source: the last time every one of its streams loaded successfully, against the
 * SLA in config (`sources.<name>.freshnessHours`). A breach is logged as an alert
 * (level error, `alert: "freshness"`) and shown in the report.
 */
export async function sourceFreshness(
  db: WarehouseSession,
  config: Config,
  log?: Logger,
  now = new Date(),
): Promise<Freshness[]> {
  const rows = await db.query<{ source: string; last: Date | null }>(
    `SELECT split_part(node, '.', 1) AS source, max(finished_at) AS last
       FROM trueup.node_runs WHERE kind = 'extract' AND status = 'succeeded'
      GROUP BY 1`,
  );
  const last = new Map(rows.map((r) => [r.source, r.last]));
  const out: Freshness[] = [];
  for (const [name, cfg] of Object.entries(config.sources) as [
    SourceSystem,
    { freshnessHours?: number; enabled?: boolean } | undefined,
  ][]) {
    if (!cfg || cfg.enabled === false) continue;
    const l = last.get(name) ?? null;
    const ageHours = l ? (now.getTime() - l.getTime()) / 3_600_000 : null;
    const sla = cfg.freshnessHours ?? null;
    const breached = sla !== null && (ageHours === null || ageHours > sla);
    if (breached) {
      log?.error(
        { alert: "freshness", source: name, age_hours: ageHours, sla_hours: sla },
        `freshness SLA breached for ${name}`,
      );
    }
    out.push({ source: name, lastSuccess: l, ageHours, slaHours: sla, breached });
  }
  return out;
}
