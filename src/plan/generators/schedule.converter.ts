/**
 * Backup schedules: the spec's `hourly|daily|weekly|monthly` or a five-field cron expression (validated by
 * `isCronSafeSchedule`: digits, `*`, `,`, `-`, `/` only) → a systemd OnCalendar value and a cron line.
 */

const NAMED_CALENDAR: Readonly<Record<string, string>> = {
  hourly: 'hourly',
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
};

/** Cron equivalents of systemd's named calendars (weekly = Monday 00:00, as systemd means it). */
const NAMED_CRON: Readonly<Record<string, string>> = {
  hourly: '0 * * * *',
  daily: '0 0 * * *',
  weekly: '0 0 * * 1',
  monthly: '0 0 1 * *',
};

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The five-field cron form of a schedule. */
export function toCronExpression(schedule: string): string {
  return NAMED_CRON[schedule] ?? schedule;
}

/** One cron field (minute, hour, day, month) → systemd syntax; `first` is the field's lowest value. */
function calendarField(field: string, first: number, pad: boolean): string {
  const fmt = (n: string): string => (pad ? n.padStart(2, '0') : n);
  return field
    .split(',')
    .map((item) => {
      const [range = '', step] = item.split('/');
      let out: string;
      if (range === '*') out = step === undefined ? '*' : fmt(String(first));
      else if (range.includes('-')) {
        const [a = '', b = ''] = range.split('-');
        out = `${fmt(a)}..${fmt(b)}`;
      } else out = fmt(range);
      return step === undefined ? out : `${out}/${step}`;
    })
    .join(',');
}

/** Day-of-week field → `Mon..Fri,Sun`; undefined when it uses steps (no systemd form). */
function weekdayField(field: string): string | undefined {
  if (field === '*') return '';
  if (field.includes('/')) return undefined;
  const day = (n: string): string | undefined => WEEKDAYS[Number(n)];
  const parts: string[] = [];
  for (const item of field.split(',')) {
    const [a = '', b] = item.split('-');
    const from = day(a);
    const to = b === undefined ? undefined : day(b);
    if (from === undefined || (b !== undefined && to === undefined)) return undefined;
    if (b !== undefined && Number(b) === 7 && Number(a) > 0) return undefined;
    parts.push(to === undefined ? from : `${from}..${to}`);
  }
  return parts.join(',');
}

/**
 * The OnCalendar value of a schedule, or undefined when the cron expression has no exact systemd
 * equivalent: a day-of-week step, or both day-of-month and day-of-week restricted (cron ORs them, systemd
 * ANDs them). Callers then fall back to cron.
 */
export function toOnCalendar(schedule: string): string | undefined {
  const named = NAMED_CALENDAR[schedule];
  if (named !== undefined) return named;
  const [minute = '', hour = '', dom = '', month = '', dow = ''] = schedule.split(' ');
  if (dom !== '*' && dow !== '*') return undefined;
  const weekdays = weekdayField(dow);
  if (weekdays === undefined) return undefined;
  const date = `*-${calendarField(month, 1, true)}-${calendarField(dom, 1, true)}`;
  const time = `${calendarField(hour, 0, true)}:${calendarField(minute, 0, true)}:00`;
  return `${weekdays === '' ? '' : `${weekdays} `}${date} ${time}`;
}
