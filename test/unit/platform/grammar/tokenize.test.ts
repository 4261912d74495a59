import { describe, expect, it } from 'vitest';
import { literal, tokenize } from '../../../../src/platform/grammar/index.js';

const texts = (text: string) => tokenize(text).map((token) => token.text);

describe('tokenize', () => {
  it('splits on any white space, tabs and no-break spaces included', () => {
    expect(texts('  deploy\tapi\u00a01.4.2   to production ')).toEqual(['deploy', 'api', '1.4.2', 'to', 'production']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   ')).toEqual([]);
  });

  it('groups quoted words, straight or curly, and remembers the quotes', () => {
    expect(tokenize('"Checkout errors"')).toEqual([
      { text: 'Checkout errors', quoted: true, kind: 'word', raw: '"Checkout errors"', source: '"Checkout errors"' },
    ]);
    expect(texts("“DB down” ‘cache cold’ 'a b'")).toEqual(['DB down', 'cache cold', 'a b']);
    // A client may curl only one end; any closing quote of the same kind closes.
    expect(texts('“DB down" "DB down”')).toEqual(['DB down', 'DB down']);
    expect(texts('""')).toEqual(['']);
  });

  it('reads apostrophes inside words as letters, not quotes', () => {
    expect(texts("don't deploy it's friday")).toEqual(["don't", 'deploy', "it's", 'friday']);
    expect(texts("'it's broken'")).toEqual(["it's broken"]);
    expect(texts('it’s fine')).toEqual(['it’s', 'fine']);
  });

  it('reads key=value pairs, with quoted values', () => {
    const [plain, quoted, curly] = tokenize('force=true title="Checkout errors" note=“a b”');
    expect(plain?.pair).toEqual({ key: 'force', value: 'true' });
    expect(quoted).toMatchObject({ text: 'title=Checkout errors', pair: { key: 'title', value: 'Checkout errors' } });
    expect(quoted?.raw).toBe('title="Checkout errors"');
    expect(curly?.pair).toEqual({ key: 'note', value: 'a b' });
    expect(tokenize('"service=api"')[0]?.pair).toBeUndefined();
  });

  it('reads mentions and links as Slack sends them', () => {
    expect(
      tokenize('<@U0BOB|bob> <@W0ALICE> <#C0API|api> <!subteam^S0X|@team> <!here> <https://x.example/a|the runbook>'),
    ).toEqual([
      {
        text: '<@U0BOB|bob>',
        quoted: false,
        kind: 'user',
        id: 'U0BOB',
        label: 'bob',
        raw: '<@U0BOB|bob>',
        source: '<@U0BOB|bob>',
      },
      { text: '<@W0ALICE>', quoted: false, kind: 'user', id: 'W0ALICE', raw: '<@W0ALICE>', source: '<@W0ALICE>' },
      {
        text: '<#C0API|api>',
        quoted: false,
        kind: 'channel',
        id: 'C0API',
        label: 'api',
        raw: '<#C0API|api>',
        source: '<#C0API|api>',
      },
      {
        text: '<!subteam^S0X|@team>',
        quoted: false,
        kind: 'usergroup',
        id: 'S0X',
        label: '@team',
        raw: '<!subteam^S0X|@team>',
        source: '<!subteam^S0X|@team>',
      },
      { text: '<!here>', quoted: false, kind: 'broadcast', id: 'here', raw: '<!here>', source: '<!here>' },
      {
        text: '<https://x.example/a|the runbook>',
        quoted: false,
        kind: 'link',
        id: 'https://x.example/a',
        label: 'the runbook',
        raw: '<https://x.example/a|the runbook>',
        source: '<https://x.example/a|the runbook>',
      },
    ]);
  });

  it('decodes the three characters Slack escapes, so a typed `<@U0BOB>` is a plain word', () => {
    expect(texts('R&amp;D a&lt;b&gt;c')).toEqual(['R&D', 'a<b>c']);
    expect(tokenize('&lt;@U0BOB&gt;')[0]).toMatchObject({ text: '<@U0BOB>', kind: 'word' });
    expect(tokenize('<foo> <@U0BOB')[0]).toMatchObject({ text: '<foo>', kind: 'word' });
  });

  it('gives the literal word of an unquoted word only', () => {
    const [deploy, quoted, mention] = tokenize('DEPLOY "to" <@U0BOB>');
    expect([literal(deploy), literal(quoted), literal(mention), literal(undefined)]).toEqual([
      'deploy',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('keeps emoji and other scripts', () => {
    expect(texts('🚀 déploiement 部署')).toEqual(['🚀', 'déploiement', '部署']);
  });
});
