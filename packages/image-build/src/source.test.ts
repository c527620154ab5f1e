import { describe, expect, it } from 'vitest';
import * as commands from './commands.ts';
import { branchProblem, gitUrlProblem, redactUrl } from './source.ts';

describe('git URLs', () => {
  it.each([
    'https://git.example.com/team/app.git',
    'http://10.0.0.5:8418/cgi-bin/git/app.git',
    'ssh://git@git.example.com:2222/team/app.git',
    'git@github.com:team/app.git',
    'https://deploy:s3cret@git.example.com/team/app',
  ])('accepts %s', (url) => {
    expect(gitUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', /spaces/],
    ['ext::ssh%20x', /http\(s\):\/\/ or ssh:\/\//],
    ['file:///etc', /not file/],
    ['git://git.example.com/app.git', /not git/],
    ['--upload-pack=touch /tmp/x', /leading dash|spaces/],
    ['https://git.example.com/app.git\nrm -rf /', /control characters/],
    ['https://git.example.com/', /no repository/],
    ['not a url', /spaces/],
    ['', /required/],
  ])('refuses %j', (url, message) => {
    expect(gitUrlProblem(url)).toMatch(message);
  });

  it('keeps the password out of what is logged', () => {
    expect(redactUrl('https://deploy:s3cret@git.example.com/team/app')).toBe(
      'https://deploy:***@git.example.com/team/app',
    );
  });
});

describe('branches', () => {
  it.each(['main', 'release/1.2', 'feature_x-2'])('accepts %s', (branch) => {
    expect(branchProblem(branch)).toBeUndefined();
  });

  it.each(['-x', 'a..b', 'a b', 'a:b', 'a/', '/a', 'x.lock', 'a@{1}'])('refuses %j', (branch) => {
    expect(branchProblem(branch)).toBeDefined();
  });
});

describe('commands', () => {
  it('quotes every value, so none can start a command', () => {
    const clone = commands.clone('b1', "https://h/x.git'; touch /tmp/p; '", 'main');
    expect(clone).toContain(`'https://h/x.git'\\''; touch /tmp/p; '\\'''`);
    const build = commands.build('b1', {
      image: 'registry:5443/org/app:dep_1',
      buildArgs: { BUILD_COMMAND: 'npm run build && echo "$(id)"' },
      labels: { 'dev.flotilla.app-id': 'app_1' },
    });
    expect(build).toContain(`'--build-arg' 'BUILD_COMMAND=npm run build && echo "$(id)"'`);
    expect(build).toContain(`--tag 'registry:5443/org/app:dep_1'`);
  });

  it('generates a Dockerfile whose build command is one argument, whatever it holds', () => {
    expect(commands.generatedDockerfile('registry:5443/base:1', 'make\necho "done"')).toBe(
      'FROM registry:5443/base:1\nWORKDIR /app\nCOPY . /app\nRUN ["/bin/sh","-c","make\\necho \\"done\\""]\n',
    );
  });
});
