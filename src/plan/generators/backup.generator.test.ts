import { describe, expect, it } from 'vitest';
import { alpineRecipe } from '../recipes/alpine.recipe.js';
import { debianRecipe } from '../recipes/debian.recipe.js';
import { specOf } from '../testing/spec.fixture.js';
import { planBackup, renderBackupScript, repositoryFor } from './backup.generator.js';
import { toCronExpression, toOnCalendar } from './schedule.converter.js';

describe('schedule conversion', () => {
  it.each([
    ['daily', 'daily'],
    ['weekly', 'weekly'],
    ['30 2 * * *', '*-*-* 02:30:00'],
    ['*/15 * * * *', '*-*-* *:00/15:00'],
    ['0 3 * * 1-5', 'Mon..Fri *-*-* 03:00:00'],
    ['0 4 1,15 * *', '*-*-01,15 04:00:00'],
    ['0 0 * 1-6/2 *', '*-01..06/2-* 00:00:00'],
  ])('%s → OnCalendar %s', (cron, calendar) => {
    expect(toOnCalendar(cron)).toBe(calendar);
  });

  it('has no systemd form when day-of-month and day-of-week are both set, or the weekday has a step', () => {
    expect(toOnCalendar('0 0 1 * 1')).toBeUndefined();
    expect(toOnCalendar('0 0 * * */2')).toBeUndefined();
  });

  it('named schedules have cron forms', () => {
    expect(toCronExpression('weekly')).toBe('0 0 * * 1');
    expect(toCronExpression('5 4 * * *')).toBe('5 4 * * *');
  });
});

const backupSpec = (backup: Record<string, unknown>, base = 'debian') =>
  specOf({ base, backup: { destination: '/srv/backup', ...backup } });

describe('backup', () => {
  it('systemd: service + timer with OnCalendar', () => {
    const f = planBackup(backupSpec({ schedule: '0 3 * * 0' }), debianRecipe);
    const timer = f.files?.find((x) => x.imagePath.endsWith('.timer'));
    expect(timer?.content).toContain('OnCalendar=Sun *-*-* 03:00:00');
    expect(f.enable).toEqual(['lbe-backup.timer']);
  });

  it('falls back to cron (with a warning) when the schedule has no OnCalendar form', () => {
    const f = planBackup(backupSpec({ schedule: '0 0 1 * 1' }), debianRecipe);
    expect(f.files?.some((x) => x.imagePath === '/etc/cron.d/lbe-backup')).toBe(true);
    expect(f.enable).toEqual(['cron']);
    expect(f.warnings).toHaveLength(1);
  });

  it('OpenRC: cron entry and the cron daemon', () => {
    const f = planBackup(backupSpec({}, 'alpine'), alpineRecipe);
    expect(f.files?.find((x) => x.imagePath === '/etc/cron.d/lbe-backup')?.content).toContain(
      '0 0 * * * root /usr/local/sbin/lbe-backup',
    );
    expect(f.enable).toEqual(['cronie']);
  });

  it('never contains a secret and escapes the repository and paths', () => {
    const spec = backupSpec({
      tool: 'borg',
      destination: 'bk@host.example.org:repo',
      paths: ['/etc', '/var/lib/app'],
    });
    const script = renderBackupScript(spec.backup!);
    expect(script).toContain("BORG_REPO='bk@host.example.org:repo'");
    expect(script).toContain("borg create --one-file-system '::{hostname}-{now}' '/etc' '/var/lib/app'");
    const env = planBackup(spec, debianRecipe).files?.find((x) => x.imagePath === '/etc/lbe/backup.env');
    expect(env?.content).toMatch(/^BORG_PASSPHRASE=$/m);
    expect(env?.mode).toBe('0600');
  });

  it('maps destinations to restic repository syntax', () => {
    expect(repositoryFor(backupSpec({ destination: 's3://bucket/path' }).backup!)).toBe(
      's3:s3.amazonaws.com/bucket/path',
    );
    expect(repositoryFor(backupSpec({ destination: 'u@h.example.org:/b' }).backup!)).toBe(
      'sftp:u@h.example.org:/b',
    );
  });
});
