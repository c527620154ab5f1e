// Where a build's source comes from, validated before any of it reaches a shell: a git URL
// (http, https or ssh — never git's other transports such as `ext::`, which runs commands, or
// `file://`, which reads the server's own disk), a branch name as git accepts it, and the
// build command. The router validates input with the same schemas, so a bad value is a 400
// naming the field long before a worker sees it.
import { z } from 'zod';

const maxUrlLength = 2048;

/** `git@github.com:team/app.git`: OpenSSH's short form, which git reads as ssh. */
const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[A-Za-z0-9._~/-]+$/;

/** Why the URL is not one builds clone from; undefined when it is. */
export function gitUrlProblem(url: string): string | undefined {
  if (url.length === 0) return 'a git repository URL is required';
  if (url.length > maxUrlLength) return `at most ${maxUrlLength} characters`;
  // Whitespace and control characters are never part of a URL; a leading dash would be an option.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(url) || url.startsWith('-')) {
    return 'no spaces or control characters, and no leading dash';
  }
  if (scpLike.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'an http(s):// or ssh:// URL, or user@host:path';
  }
  if (!['http:', 'https:', 'ssh:'].includes(parsed.protocol)) {
    return `an http(s):// or ssh:// URL (not ${parsed.protocol.replace(/:$/, '')})`;
  }
  if (!parsed.hostname) return 'the URL names no host';
  if (parsed.pathname === '/' || parsed.pathname === '') return 'the URL names no repository';
  return undefined;
}

export const gitUrlSchema = z.string().superRefine((url, ctx) => {
  const problem = gitUrlProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Why git would refuse the name as a branch (`git check-ref-format --branch`); undefined if fine. */
export function branchProblem(branch: string): string | undefined {
  if (branch.length === 0 || branch.length > 255) return '1 to 255 characters';
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/')) {
    return 'may not start with "-" or "/", nor end with "/"';
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(branch)) {
    return 'no spaces, control characters or any of ~ ^ : ? * [ \\';
  }
  if (/\.\.|@\{|\/\/|\/\.|\.lock$|\.lock\/|\.$/.test(branch) || branch === '@') {
    return 'not a valid git branch name';
  }
  return undefined;
}

export const gitBranchSchema = z.string().superRefine((branch, ctx) => {
  const problem = branchProblem(branch);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Run by /bin/sh inside the image being built (a build argument or a generated RUN step). */
export const buildCommandSchema = z
  .string()
  .min(1)
  .max(4096)
  // A NUL cannot pass through a shell's arguments.
  .refine((command) => !command.includes('\u0000'), 'no NUL characters');

/**
 * The password of an `https://user:password@host/…` URL, so that it is masked wherever the
 * build's output or errors might repeat the URL.
 */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [parsed.password, decodeURIComponent(parsed.password)].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** The URL with its password replaced, for log lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
