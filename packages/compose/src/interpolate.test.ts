// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose files write ${VAR} in plain strings
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InterpolationError, interpolate, interpolateString } from './interpolate.ts';

const variables: Record<string, string> = { SET: 'value', EMPTY: '', B: 'bee' };
const lookup = (name: string) => (Object.hasOwn(variables, name) ? variables[name] : undefined);
const sub = (text: string) => interpolateString(text, lookup);

describe('interpolateString', () => {
  it.each([
    ['$SET and ${SET}', 'value and value'],
    ['${UNSET}', ''],
    ['${UNSET:-fallback} ${EMPTY:-fallback} ${SET:-fallback}', 'fallback fallback value'],
    ['${UNSET-fallback} ${EMPTY-fallback}', 'fallback '],
    ['${SET:+alt} ${EMPTY:+alt} ${UNSET:+alt} ${EMPTY+alt}', 'alt   alt'],
    ['${UNSET:-${B}} ${UNSET:-${ALSO:-deep}}', 'bee deep'],
    ['cost: 5$$ and $$SET', 'cost: 5$ and $SET'],
    ['$1 and a lone $ stay', '$1 and a lone $ stay'],
    ['${SET:?must be set}', 'value'],
  ])('%s → %s', (input, output) => {
    expect(sub(input)).toBe(output);
  });

  it('refuses a required variable that is unset or empty, with its message', () => {
    expect(() => sub('${UNSET:?give the tag}')).toThrow(
      'required variable UNSET is missing a value: give the tag',
    );
    expect(() => sub('${EMPTY:?}')).toThrow('required variable EMPTY is missing a value');
    expect(sub('${EMPTY?only unset counts}')).toBe('');
  });

  it('refuses malformed substitutions', () => {
    for (const text of ['${', '${SET', '${}', '${1A}', '${SET*x}']) {
      expect(() => sub(text), text).toThrow(InterpolationError);
    }
  });

  it('leaves text without "$" unchanged and turns "$$" into "$"', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const plain = text.replaceAll('$', '');
        expect(sub(plain)).toBe(plain);
        expect(sub(text.split('$').join('$$'))).toBe(text);
      }),
    );
  });
});

describe('interpolate', () => {
  it('substitutes values, never keys, and reports unset variables by path', () => {
    const { value, missing } = interpolate(
      {
        services: {
          web: {
            image: 'r/app:${TAG}',
            environment: { '${KEY}': '$SET', LIST: ['${NOPE}', 3, true] },
          },
        },
      },
      { SET: 'x' },
    );
    expect(value).toEqual({
      services: { web: { image: 'r/app:', environment: { '${KEY}': 'x', LIST: ['', 3, true] } } },
    });
    expect(missing).toEqual([
      { path: ['services', 'web', 'image'], name: 'TAG' },
      { path: ['services', 'web', 'environment', 'LIST', 0], name: 'NOPE' },
    ]);
  });

  it('names the path of a value that cannot be substituted', () => {
    try {
      interpolate({ services: { web: { image: '${TAG:?no tag}' } } }, {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InterpolationError);
      expect((error as InterpolationError).path).toEqual(['services', 'web', 'image']);
    }
  });
});
