import fc from 'fast-check';
import { PageTokenCodec, type PageCursor } from '../../../local/emulator/page-token';

const cursors = fc.record<PageCursor>({
  collaborationId: fc.option(fc.uuid(), { nil: null }),
  configuredAudienceModelArn: fc.option(fc.string({ maxLength: 2048 }), { nil: null }),
  offset: fc.nat(),
  page: fc.nat(),
});

describe('emulator: page tokens', () => {
  const codec = new PageTokenCodec();

  it('round-trips every cursor, and every token contains +, / and = within the NextToken length', () => {
    fc.assert(
      fc.property(cursors, (cursor) => {
        const token = codec.encode(cursor);
        expect(codec.decode(token)).toEqual(cursor);
        expect(token).toMatch(/^\+\/\+\/.*==$/);
        expect(token.length).toBeLessThanOrEqual(10240);
      }),
    );
  });

  it('rejects a token with any one character changed', () => {
    fc.assert(
      fc.property(cursors, fc.nat(), fc.constantFrom('A', 'b', '+', '/', '=', '%', ' '), (cursor, at, replacement) => {
        const token = codec.encode(cursor);
        const index = at % token.length;
        fc.pre(token[index] !== replacement);
        expect(codec.decode(token.slice(0, index) + replacement + token.slice(index + 1))).toBeUndefined();
      }),
    );
  });

  it('rejects tokens of another codec', () => {
    const cursor: PageCursor = { collaborationId: null, configuredAudienceModelArn: null, offset: 100, page: 1 };

    expect(new PageTokenCodec().decode(codec.encode(cursor))).toBeUndefined();
  });
});
