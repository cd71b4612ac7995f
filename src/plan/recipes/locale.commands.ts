import { escapeShellArg } from '../../spec/sanitizer.js';

/** Locales every glibc/musl system has built in; nothing to install or generate. */
export function isBuiltinLocale(locale: string): boolean {
  return locale === 'C' || locale === 'POSIX' || locale === 'C.UTF-8';
}

/** `en_US.UTF-8` → `en_US.UTF-8 UTF-8`; `de_DE` → `de_DE ISO-8859-1`: a line of glibc's /etc/locale.gen. */
export function localeGenLine(locale: string): string {
  return locale.endsWith('.UTF-8') ? `${locale} UTF-8` : `${locale} ISO-8859-1`;
}

/**
 * Configure-script lines for glibc distros whose `locale-gen` reads /etc/locale.gen (Debian, Arch, Gentoo):
 * append the locale's line, then generate. The locale is schema-validated and escaped.
 */
export function localeGenCommands(locale: string): readonly string[] {
  if (isBuiltinLocale(locale)) return [];
  return [`printf '%s\\n' ${escapeShellArg(localeGenLine(locale))} >> /etc/locale.gen`, 'locale-gen'];
}
