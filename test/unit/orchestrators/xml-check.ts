/**
 * A small, strict XML 1.0 well-formedness checker for the generated snippets (the oracle of the Service
 * Fabric tests): an optional prolog of comments and white space, exactly one root element, matching tags,
 * attribute values quoted with no raw `<` or unescaped `&`, known or numeric entity references only, unique
 * attribute names, comments without `--`, and only characters XML allows. Returns the element tree with
 * attribute values and text decoded; throws Error naming the offset otherwise.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

export function checkXml(xml: string): XmlElement {
  for (let i = 0; i < xml.length; ) {
    const cp = xml.codePointAt(i) as number;
    if (!isXmlChar(cp) || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`character U+${cp.toString(16)} not allowed at ${i}`);
    i += cp > 0xffff ? 2 : 1;
  }
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${pos}: ${JSON.stringify(xml.slice(pos, pos + 40))}`);
  };
  const skipSpace = (): void => {
    while (pos < xml.length && /[ \t\r\n]/.test(xml[pos] as string)) pos++;
  };
  const decode = (raw: string, inAttribute: boolean): string => {
    if (inAttribute && raw.includes('<')) fail("raw '<' in an attribute value");
    return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
      if (!m.endsWith(';')) fail(`unterminated reference ${m}`);
      if (ref in ENTITIES) return ENTITIES[ref] as string;
      const num = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
      if (!num) fail(`unknown entity &${ref};`);
      const cp = num?.[1] !== undefined ? parseInt(num[1], 16) : Number(num?.[2]);
      if (!isXmlChar(cp)) fail(`character reference to a forbidden character &${ref};`);
      return String.fromCodePoint(cp);
    });
  };
  const misc = (): void => {
    for (;;) {
      skipSpace();
      if (xml.startsWith('<!--', pos)) {
        const end = xml.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        const body = xml.slice(pos + 4, end);
        if (body.includes('--') || body.endsWith('-')) fail("'--' inside a comment");
        pos = end + 3;
      } else if (xml.startsWith('<?', pos)) {
        const end = xml.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (xml[pos] !== '<') fail('expected an element');
    pos++;
    const name = NAME.exec(xml.slice(pos))?.[0] ?? fail('expected an element name');
    pos += name.length;
    const el: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const before = pos;
      skipSpace();
      if (xml.startsWith('/>', pos)) {
        pos += 2;
        return el;
      }
      if (xml[pos] === '>') {
        pos++;
        break;
      }
      if (pos === before) fail('expected white space before an attribute');
      const attr = NAME.exec(xml.slice(pos))?.[0] ?? fail('expected an attribute name');
      pos += attr.length;
      skipSpace();
      if (xml[pos] !== '=') fail("expected '='");
      pos++;
      skipSpace();
      const quote = xml[pos];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      const end = xml.indexOf(quote as string, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      if (attr in el.attributes) fail(`duplicate attribute ${attr}`);
      el.attributes[attr] = decode(xml.slice(pos + 1, end), true);
      pos = end + 1;
    }
    for (;;) {
      const lt = xml.indexOf('<', pos);
      if (lt < 0) fail(`no end tag for ${name}`);
      const text = xml.slice(pos, lt);
      if (text.includes(']]>')) fail("']]>' in text");
      el.text += decode(text, false);
      pos = lt;
      if (xml.startsWith('</', pos)) {
        pos += 2;
        const endName = NAME.exec(xml.slice(pos))?.[0];
        if (endName !== name) fail(`end tag ${String(endName)} does not match ${name}`);
        pos += name.length;
        skipSpace();
        if (xml[pos] !== '>') fail("expected '>'");
        pos++;
        return el;
      }
      if (xml.startsWith('<!--', pos)) {
        misc();
        continue;
      }
      el.children.push(element());
    }
  };
  misc();
  const root = element();
  misc();
  if (pos !== xml.length) fail('content after the root element');
  return root;
}
