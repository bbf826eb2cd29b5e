/**
 * Clock attributes in a workspace's IANA timezone. The clock is an argument (`now`),
 * never read here, so tests pin instants. Formatters are cached per timezone (bounded
 * by the number of valid zones, ~600).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'long',
    });
    if (formatters.size < 1000) formatters.set(timezone, f);
  }
  return f;
}

export const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export type ClockAttributes = {
  current_time: string;
  current_date: string;
  current_datetime: string;
  day_of_week: string;
  is_weekend: boolean;
};

/** current_time "HH:MM:SS", current_date "YYYY-MM-DD", current_datetime (ISO, UTC), day_of_week "monday"…, is_weekend. */
export function clockAttributes(now: number, timezone: string): ClockAttributes {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(now))) parts[p.type] = p.value;
  const day = (parts.weekday ?? '').toLowerCase();
  return {
    current_time: `${parts.hour}:${parts.minute}:${parts.second}`,
    current_date: `${parts.year}-${parts.month}-${parts.day}`,
    current_datetime: new Date(now).toISOString(),
    day_of_week: day,
    is_weekend: day === 'saturday' || day === 'sunday',
  };
}
