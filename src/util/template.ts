/**
 * Go text/template as the docker CLI uses it for --format: the same lexer and parser rules, the same
 * error texts, Go's printing of values (fmt's %v, <no value> for a nil map entry), Go's builtins
 * (and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery)
 * and docker's (json, split, join, title, lower, upper, pad, truncate). Pure and dependency-free.
 *
 * The data is JSON-shaped (what JSON.parse returns). Objects stand for docker's structs: a field is an
 * own property of a plain object, and a field that is not there is an execution error ("can't evaluate
 * field X"), never a silent <no value>. A JSON null is a nil map entry and prints <no value>, as docker
 * inspect prints it.
 *
 * Not supported: define, template, block (docker's --format never defines templates), complex numbers,
 * methods.
 */

export class TemplateError extends Error {
  constructor(
    readonly phase: 'parse' | 'exec',
    message: string,
    /** For a missing field: the fields the object has. */
    readonly fields?: readonly string[],
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A float constant from the template text (`1.5`, `1e3`): Go keeps these apart from integers. */
export class GoFloat {
  constructor(readonly v: number) {}
}

// ---------------------------------------------------------------------------------------------------
// Lexer

type TokType =
  | 'text' | 'ld' | 'rd' | 'space' | 'ident' | 'field' | 'var' | 'dot' | 'string' | 'raw' | 'charconst'
  | 'number' | 'bool' | 'nil' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'char' | 'eof'
  | 'if' | 'else' | 'end' | 'range' | 'with' | 'define' | 'template' | 'block' | 'break' | 'continue'
  | 'error';

interface Tok {
  t: TokType;
  v: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil']);
const SPACE = ' \t\r\n';
const isSpace = (c: string | undefined): boolean => c !== undefined && c !== '' && SPACE.includes(c);
const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

/** A token in a parse error, as Go's lexer item prints. */
function tokString(t: Tok): string {
  if (t.t === 'eof') return 'EOF';
  if (KEYWORDS.has(t.t)) return `<${t.v}>`;
  if ([...t.v].length > 10) return `${goQuote([...t.v].slice(0, 10).join(''))}...`;
  return goQuote(t.v);
}

class LexError {
  constructor(
    readonly message: string,
    readonly line: number,
  ) {}
}

/**
 * The tokens of a template. A lexical error becomes an 'error' token where it happened, followed by the
 * end: the parser reports it only if it gets that far, as Go's parser, which pulls tokens one at a time,
 * reports an earlier syntax error first.
 */
function lex(input: string): Tok[] {
  const toks: Tok[] = [];
  let pos = 0;
  let line = 1;
  const fail = (msg: string, at = line): never => {
    throw new LexError(msg, at);
  };
  try {
    lexAll();
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
    toks.push({ t: 'error', v: err.message, pos: input.length, line: err.line });
  }
  toks.push({ t: 'eof', v: '', pos: input.length, line });
  return toks;

  function lexAll(): void {
  const count = (s: string): number => s.split('\n').length - 1;
  const atRightDelim = (p: number): { delim: boolean; trim: boolean } => {
    if (isSpace(input[p]) && input[p + 1] === '-' && input.startsWith('}}', p + 2)) return { delim: true, trim: true };
    if (input.startsWith('}}', p)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const skipSpaces = (p: number): number => {
    while (isSpace(input[p])) {
      if (input[p] === '\n') line++;
      p++;
    }
    return p;
  };
  for (;;) {
    const open = input.indexOf('{{', pos);
    if (open < 0) {
      if (pos < input.length) toks.push({ t: 'text', v: input.slice(pos), pos, line });
      line += count(input.slice(pos));
      break;
    }
    const trimLeft = input[open + 2] === '-' && isSpace(input[open + 3]);
    let text = input.slice(pos, open);
    const textLine = line;
    line += count(text);
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) toks.push({ t: 'text', v: text, pos, line: textLine });
    let p = open + 2 + (trimLeft ? 2 : 0);
    if (input.startsWith('/*', p)) {
      const end = input.indexOf('*/', p + 2);
      if (end < 0) fail('unclosed comment');
      line += count(input.slice(p, end));
      const after = atRightDelim(end + 2);
      if (!after.delim) fail('comment ends before closing delimiter');
      pos = end + 2 + (after.trim ? 4 : 2);
      if (after.trim) pos = skipSpaces(pos);
      continue;
    }
    toks.push({ t: 'ld', v: '{{', pos: open, line });
    let depth = 0;
    for (;;) {
      const rd = atRightDelim(p);
      if (rd.delim) {
        if (depth > 0) fail('unclosed left paren');
        toks.push({ t: 'rd', v: '}}', pos: p, line });
        p += rd.trim ? 4 : 2;
        if (rd.trim) p = skipSpaces(p);
        break;
      }
      const c = input[p];
      const start = p;
      const emit = (t: TokType, end: number): void => {
        toks.push({ t, v: input.slice(start, end), pos: start, line });
        p = end;
      };
      if (c === undefined) fail('unclosed action');
      else if (isSpace(c)) {
        let q = p;
        while (isSpace(input[q])) {
          // A space followed by "-}}" belongs to the closing delimiter.
          if (input[q + 1] === '-' && input.startsWith('}}', q + 2)) break;
          q++;
        }
        if (q === p) q++;
        const v = input.slice(p, q);
        toks.push({ t: 'space', v, pos: p, line });
        line += count(v);
        p = q;
      } else if (c === '=') emit('assign', p + 1);
      else if (c === ':') {
        if (input[p + 1] !== '=') fail('expected :=');
        emit('declare', p + 2);
      } else if (c === '|') emit('pipe', p + 1);
      else if (c === '"') {
        let q = p + 1;
        for (;;) {
          const d = input[q];
          if (d === '\\') {
            q += 2;
            continue;
          }
          if (d === undefined || d === '\n') fail('unterminated quoted string');
          q++;
          if (d === '"') break;
        }
        emit('string', q);
      } else if (c === '`') {
        const end = input.indexOf('`', p + 1);
        if (end < 0) fail('unterminated raw quoted string');
        const v = input.slice(p, end + 1);
        toks.push({ t: 'raw', v, pos: p, line });
        line += count(v);
        p = end + 1;
      } else if (c === "'") {
        let q = p + 1;
        for (;;) {
          const d = input[q];
          if (d === '\\') {
            q += 2;
            continue;
          }
          if (d === undefined || d === '\n') fail('unterminated character constant');
          q++;
          if (d === "'") break;
        }
        emit('charconst', q);
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(input[p + 1] ?? ''))) {
        let q = p + 1;
        while (isAlnum(input[q])) q++;
        const term = atTerminator(q);
        if (!term) fail(`bad character ${goRuneName(input.codePointAt(q) ?? 0)}`);
        emit(c === '$' ? 'var' : q === p + 1 ? 'dot' : 'field', q);
      } else if (c === '+' || c === '-' || c === '.' || (c >= '0' && c <= '9')) {
        let n = scanNumber(p);
        if (!n.ok) fail(`bad number syntax: ${goQuote(input.slice(p, n.end))}`);
        if (input[n.end] === '+' || input[n.end] === '-') {
          // Go reads 1+2i as one complex number; anything else with a sign right after a number is bad.
          n = scanNumber(n.end);
          fail(n.ok && input[n.end - 1] === 'i' ? `complex numbers are not supported: ${input.slice(p, n.end)}` : `bad number syntax: ${goQuote(input.slice(p, n.end))}`);
        }
        const q = n.end;
        emit('number', q);
      } else if (isAlnum(c)) {
        let q = p;
        while (isAlnum(input[q])) q++;
        if (!atTerminator(q)) fail(`bad character ${goRuneName(input.codePointAt(q) ?? 0)}`);
        const word = input.slice(p, q);
        emit(KEYWORDS.has(word) ? (word as TokType) : word === 'true' || word === 'false' ? 'bool' : 'ident', q);
      } else if (c === '(') {
        depth++;
        emit('lparen', p + 1);
      } else if (c === ')') {
        depth--;
        if (depth < 0) fail('unexpected right paren');
        emit('rparen', p + 1);
      } else if (c.charCodeAt(0) < 0x7f && c >= ' ') emit('char', p + 1);
      else fail(`unrecognized character in action: ${goRuneName(input.codePointAt(p) ?? 0)}`);
    }
    pos = p;
  }
  }

  /** Go's lexer scanNumber: where a number starting at p ends (the parser checks that it is one). */
  function scanNumber(p: number): { end: number; ok: boolean } {
    let q = p;
    const accept = (valid: string): boolean => {
      if (input[q] !== undefined && valid.includes(input[q] as string)) {
        q++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string): void => {
      while (accept(valid));
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlnum(input[q])) return { end: q + 1, ok: false };
    return { end: q, ok: true };
  }

  function atTerminator(q: number): boolean {
    const r = input[q];
    if (r === undefined || isSpace(r) || '.,|:()'.includes(r)) return true;
    return input.startsWith('}}', q);
  }
}

function goRuneName(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${String.fromCodePoint(cp)}'`;
}

// ---------------------------------------------------------------------------------------------------
// Parser

type Arg =
  | { t: 'field'; pos: number; idents: string[] }
  | { t: 'var'; pos: number; name: string; idents: string[] }
  | { t: 'chain'; pos: number; node: Arg; idents: string[] }
  | { t: 'dot'; pos: number }
  | { t: 'nil'; pos: number }
  | { t: 'bool'; pos: number; v: boolean }
  | { t: 'number'; pos: number; text: string; int?: number; float?: number }
  | { t: 'string'; pos: number; text: string; v: string }
  | { t: 'ident'; pos: number; name: string }
  | { t: 'pipe'; pos: number; pipe: Pipe };

interface Cmd {
  pos: number;
  args: Arg[];
}

interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Cmd[];
}

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pos: number; pipe: Pipe }
  | { t: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
  | { t: 'break' | 'continue'; pos: number };

type Marker = { t: 'end' | 'else'; pos: number; tok: Tok };

export interface Template {
  readonly name: string;
  readonly text: string;
  readonly root: readonly Node[];
}

const FUNCTION_NAMES = new Set([
  'and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'html', 'js', 'urlquery', 'call', 'json', 'split', 'join', 'title', 'lower', 'upper', 'pad', 'truncate',
]);

/** Parses a template; throws TemplateError('parse') with Go's message ("template: :1: unclosed action"). */
export function parseTemplate(text: string, name = ''): Template {
  const toks = lex(text);
  let i = 0;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  // Go reports a syntax error on the line of the furthest token its parser has looked at.
  let furthest = 0;
  const fail = (msg: string): never => {
    throw new TemplateError('parse', `template: ${name}:${(toks[furthest] as Tok).line}: ${msg}`);
  };
  const next = (): Tok => {
    const t = toks[i] as Tok;
    if (i > furthest) furthest = i;
    if (i < toks.length - 1) i++;
    return t;
  };
  const peek = (): Tok => {
    if (i > furthest) furthest = i;
    return toks[i] as Tok;
  };
  const nextNonSpace = (): Tok => {
    let t = next();
    while (t.t === 'space') t = next();
    return t;
  };
  const peekNonSpace = (): Tok => {
    while (peek().t === 'space') next();
    return peek();
  };
  let actionLine = 0;
  const unexpected = (t: Tok, context: string): never => {
    if (t.t === 'error') {
      // As Go: a lexical error on another line than its action's start says where the action started.
      let extra = actionLine !== 0 && actionLine !== t.line ? ` in action started at ${name}:${actionLine}` : '';
      if (extra && t.v.endsWith(' action')) extra = extra.slice(' in action'.length);
      throw new TemplateError('parse', `template: ${name}:${t.line}: ${t.v}${extra}`);
    }
    return fail(`unexpected ${tokString(t)} in ${context}`);
  };

  const root: Node[] = [];
  while (peek().t !== 'eof') {
    const n = textOrAction();
    if ('tok' in n) fail(`unexpected {{${n.t}}}`);
    else root.push(n as Node);
  }
  return { name, text, root };

  function itemList(): { list: Node[]; next: Marker } {
    const list: Node[] = [];
    while (peekNonSpace().t !== 'eof') {
      const n = textOrAction();
      if ('tok' in n) return { list, next: n as Marker };
      list.push(n as Node);
    }
    return fail('unexpected EOF');
  }

  function textOrAction(): Node | Marker {
    const t = nextNonSpace();
    if (t.t === 'text') return { t: 'text', text: t.v };
    if (t.t === 'ld') {
      actionLine = t.line;
      try {
        return action();
      } finally {
        actionLine = 0;
      }
    }
    return unexpected(t, 'input');
  }

  function action(): Node | Marker {
    const t = nextNonSpace();
    switch (t.t) {
      case 'define':
      case 'template':
      case 'block':
        return fail(`{{${t.t}}} is not supported in --format templates`);
      case 'break':
      case 'continue': {
        const r = nextNonSpace();
        if (r.t !== 'rd') unexpected(r, `{{${t.t}}}`);
        if (rangeDepth === 0) fail(`{{${t.t}}} outside {{range}}`);
        return { t: t.t, pos: t.pos };
      }
      case 'else': {
        const p = peekNonSpace();
        if (p.t === 'if' || p.t === 'with') return { t: 'else', pos: t.pos, tok: t };
        expect('rd', 'else');
        return { t: 'else', pos: t.pos, tok: t };
      }
      case 'end':
        expect('rd', 'end');
        return { t: 'end', pos: t.pos, tok: t };
      case 'if':
      case 'with':
      case 'range':
        return control(t.t);
      default: {
        i--;
        const p = peek();
        return { t: 'action', pos: p.pos, pipe: pipeline('command', 'rd') };
      }
    }
  }

  function expect(type: TokType, context: string): Tok {
    const t = nextNonSpace();
    if (t.t !== type) unexpected(t, context);
    return t;
  }

  function control(context: 'if' | 'with' | 'range'): Node {
    const saved = vars.length;
    const pipe = pipeline(context, 'rd');
    if (context === 'range') rangeDepth++;
    const body = itemList();
    if (context === 'range') rangeDepth--;
    let elseList: Node[] | undefined;
    if (body.next.t === 'else') {
      if ((context === 'if' && peek().t === 'if') || (context === 'with' && peek().t === 'with')) {
        next();
        elseList = [control(context)];
      } else {
        const e = itemList();
        if (e.next.t !== 'end') fail(`expected end; found {{${e.next.t}}}`);
        elseList = e.list;
      }
    }
    vars = vars.slice(0, saved);
    return { t: context, pos: pipe.pos, pipe, list: body.list, ...(elseList ? { elseList } : {}) };
  }

  function pipeline(context: string, end: 'rd' | 'rparen'): Pipe {
    const first = peekNonSpace();
    const pipe: Pipe = { pos: first.pos, decl: [], isAssign: false, cmds: [] };
    for (;;) {
      const v = peekNonSpace();
      if (v.t !== 'var') break;
      const at = i;
      next();
      const n = peekNonSpace();
      if (n.t === 'assign' || n.t === 'declare') {
        pipe.isAssign = n.t === 'assign';
        nextNonSpace();
        pipe.decl.push(v.v);
        // As Go: an assignment to an undeclared variable fails when it runs, not here.
        vars.push(v.v);
        break;
      }
      if (n.t === 'char' && n.v === ',') {
        nextNonSpace();
        pipe.decl.push(v.v);
        vars.push(v.v);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace();
          if (p.t === 'var' || p.t === 'rd' || p.t === 'rparen') continue;
          fail('range can only initialize variables');
        }
        fail(`too many declarations in ${context}`);
      }
      // Not a declaration ("$x foo"): the variable is the pipeline's first operand.
      i = at;
      break;
    }
    for (;;) {
      const t = nextNonSpace();
      if (t.t === end) {
        if (pipe.cmds.length === 0) fail(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, k) => {
          const a = c.args[0]?.t;
          if (a === 'bool' || a === 'dot' || a === 'nil' || a === 'number' || a === 'string') fail(`non executable command in pipeline stage ${k + 2}`);
        });
        return pipe;
      }
      switch (t.t) {
        case 'bool': case 'charconst': case 'dot': case 'field': case 'ident': case 'number': case 'nil':
        case 'raw': case 'string': case 'var': case 'lparen':
          i--;
          pipe.cmds.push(command());
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  function command(): Cmd {
    const cmd: Cmd = { pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.t === 'space') continue;
      if (t.t === 'rd' || t.t === 'rparen') i--;
      else if (t.t !== 'pipe') unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) fail('empty command');
    return cmd;
  }

  function operand(): Arg | undefined {
    let node = term();
    if (!node) return undefined;
    if (peek().t === 'field') {
      const chainPos = peek().pos;
      const idents: string[] = [];
      while (peek().t === 'field') idents.push(next().v.slice(1));
      switch (node.t) {
        case 'field':
          node = { t: 'field', pos: chainPos, idents: [...node.idents, ...idents] };
          break;
        case 'var':
          node = { t: 'var', pos: chainPos, name: node.name, idents: [...node.idents, ...idents] };
          break;
        case 'bool': case 'string': case 'number': case 'nil': case 'dot':
          fail(`unexpected . after term ${goQuote(argString(node))}`);
          break;
        default:
          node = { t: 'chain', pos: chainPos, node, idents };
      }
    }
    return node;
  }

  function useVar(name: string): void {
    if (!vars.includes(name)) fail(`undefined variable ${goQuote(name)}`);
  }

  function term(): Arg | undefined {
    const t = nextNonSpace();
    switch (t.t) {
      case 'ident':
        if (!FUNCTION_NAMES.has(t.v)) fail(`function ${goQuote(t.v)} not defined`);
        return { t: 'ident', pos: t.pos, name: t.v };
      case 'dot':
        return { t: 'dot', pos: t.pos };
      case 'nil':
        return { t: 'nil', pos: t.pos };
      case 'var':
        useVar(t.v);
        return { t: 'var', pos: t.pos, name: t.v, idents: [] };
      case 'field':
        return { t: 'field', pos: t.pos, idents: [t.v.slice(1)] };
      case 'bool':
        return { t: 'bool', pos: t.pos, v: t.v === 'true' };
      case 'charconst':
      case 'number':
        return numberNode(t);
      case 'lparen':
        return { t: 'pipe', pos: t.pos, pipe: pipeline('parenthesized pipeline', 'rparen') };
      case 'string':
      case 'raw':
        return { t: 'string', pos: t.pos, text: t.v, v: t.t === 'raw' ? t.v.slice(1, -1).replace(/\r/g, '') : unquote(t.v, fail) };
      default:
        i--;
        return undefined;
    }
  }

  function numberNode(t: Tok): Arg {
    const text = t.v;
    if (t.t === 'charconst') {
      const s = unquote(`"${text.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`, fail);
      const cps = [...s];
      if (cps.length !== 1) fail(`malformed character constant: ${text}`);
      return { t: 'number', pos: t.pos, text, int: cps[0]!.codePointAt(0)! };
    }
    if (text.endsWith('i')) fail(`complex numbers are not supported: ${text}`);
    const clean = text.replace(/_/g, '');
    const sign = clean.startsWith('-') ? -1 : 1;
    const body = clean.replace(/^[+-]/, '');
    let int: number | undefined;
    let float: number | undefined;
    if (/^0[xX][0-9a-fA-F]+$/.test(body) || /^0[bB][01]+$/.test(body) || /^0[oO][0-7]+$/.test(body)) int = sign * Number(body.toLowerCase().replace(/^0o/, '0o'));
    else if (/^0[0-7]+$/.test(body)) int = sign * parseInt(body, 8);
    else if (/^[0-9]+$/.test(body)) int = sign * Number(body);
    else if (/^0[xX]/.test(body)) float = sign * hexFloat(body);
    else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) float = sign * Number(body);
    if (int === undefined && float === undefined) fail(`illegal number syntax: ${goQuote(text)}`);
    if (float !== undefined && Number.isInteger(float) && Math.abs(float) < 2 ** 63) int = float;
    return { t: 'number', pos: t.pos, text, ...(int !== undefined ? { int } : {}), ...(float !== undefined ? { float } : {}) };
  }
}

function hexFloat(s: string): number {
  const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?$/.exec(s);
  if (!m) return NaN;
  const mant = parseInt((m[1] ?? '') + (m[2] ?? '') || '0', 16) / 16 ** (m[2] ?? '').length;
  return mant * 2 ** Number(m[3] ?? 0);
}

/** Go's strconv.Unquote for an interpreted string literal. */
function unquote(lit: string, fail: (m: string) => never): string {
  let out = '';
  for (let k = 1; k < lit.length - 1; k++) {
    const c = lit[k] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = lit[++k];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e !== undefined && simple[e] !== undefined) {
      out += simple[e];
      continue;
    }
    const hex = (n: number): number => {
      const h = lit.slice(k + 1, k + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) fail('invalid syntax');
      k += n;
      return parseInt(h, 16);
    };
    if (e === 'x') out += String.fromCharCode(hex(2));
    else if (e === 'u') out += String.fromCodePoint(hex(4));
    else if (e === 'U') out += String.fromCodePoint(hex(8));
    else if (e !== undefined && /[0-7]/.test(e)) {
      const o = lit.slice(k, k + 3);
      if (!/^[0-7]{3}$/.test(o)) fail('invalid syntax');
      k += 2;
      out += String.fromCharCode(parseInt(o, 8));
    } else fail('invalid syntax');
  }
  return out;
}

function argString(a: Arg): string {
  switch (a.t) {
    case 'field':
      return a.idents.map((x) => `.${x}`).join('');
    case 'var':
      return a.name + a.idents.map((x) => `.${x}`).join('');
    case 'chain':
      return (a.node.t === 'pipe' ? `(${pipeString(a.node.pipe)})` : argString(a.node)) + a.idents.map((x) => `.${x}`).join('');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.v);
    case 'number':
      return a.text;
    case 'string':
      return a.text;
    case 'ident':
      return a.name;
    case 'pipe':
      return `(${pipeString(a.pipe)})`;
  }
}

function cmdString(c: Cmd): string {
  return c.args.map((a) => argString(a)).join(' ');
}

function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map(cmdString).join(' | ');
}

// ---------------------------------------------------------------------------------------------------
// Values

/** The dot of a table header: every field of it is the column's name. */
const HEADER = Symbol('header');
const MISSING = Symbol('missing');
type Final = unknown | typeof MISSING;

type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'header';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil';
  if (v === HEADER) return 'header';
  if (v instanceof GoFloat) return 'float';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'int' : 'float';
    case 'string':
      return 'string';
    default:
      return Array.isArray(v) ? 'array' : 'map';
  }
}

function num(v: unknown): number {
  return v instanceof GoFloat ? v.v : (v as number);
}

function goType(v: unknown): string {
  switch (kindOf(v)) {
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'array':
      return '[]interface {}';
    default:
      return 'map[string]interface {}';
  }
}

function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return num(v) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'array':
      return (v as unknown[]).length > 0;
    case 'header':
      return true;
    default:
      return Object.keys(v as object).length > 0;
  }
}

/** Column names for a table header: `DNSHostName` -> `DNS HOST NAME`, `SPNs` -> `SPNS`, docker-style. */
export function headerName(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z]{2,})/g, '$1 $2')
    .toUpperCase();
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

// ---------------------------------------------------------------------------------------------------
// fmt

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === ' ' || (cp > 0x7e || cp >= 0x21) && isPrint(ch, cp)) out += ch;
    else {
      const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
      if (named[ch]) out += named[ch];
      else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return out + '"';
}

function isPrint(ch: string, cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || cp === 0xad) return false;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

/** The exact decimal digits of a finite |x| >= 0 (no trailing zeros) and the decimal point position. */
function exactDigits(ax: number): { d: string; dp: number } {
  if (ax === 0) return { d: '0', dp: 1 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, ax);
  const bits = view.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  const e2 = exp - 1075;
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    dp = digits.length + e2;
  }
  return { d: digits.replace(/0+$/, '') || '0', dp };
}

/** Keeps nd digits, rounding half to even on the exact value, as strconv does. */
function roundDigits(x: { d: string; dp: number }, nd: number): { d: string; dp: number } {
  const { d, dp } = x;
  if (nd < 0) return { d: '0', dp: 1 };
  if (d.length <= nd) return x;
  const next = d[nd] as string;
  const up = next > '5' || (next === '5' && (nd + 1 < d.length || (nd > 0 && Number(d[nd - 1]) % 2 === 1)));
  let kept = d.slice(0, nd);
  let newDp = dp;
  if (up) {
    let k = kept.length - 1;
    while (k >= 0 && kept[k] === '9') k--;
    if (k < 0) {
      kept = '1';
      newDp = dp + 1;
    } else kept = kept.slice(0, k) + String(Number(kept[k]) + 1);
  }
  kept = kept.replace(/0+$/, '');
  return kept ? { d: kept, dp: newDp } : { d: '0', dp: 1 };
}

function digitsOf(x: number, prec?: number): { d: string; dp: number } {
  // Shortest round-trip digits (as strconv's shortest), or prec significant digits of the exact value.
  if (prec === undefined) {
    const [m, ex] = Math.abs(x).toExponential().split('e') as [string, string];
    return { d: m.replace('.', '').replace(/0+$/, '') || '0', dp: Number(ex) + 1 };
  }
  return roundDigits(exactDigits(Math.abs(x)), prec);
}

function fmtE(d: string, dp: number, prec: number, upper: boolean): string {
  const digits = d.padEnd(prec + 1, '0');
  const exp = d === '0' ? 0 : dp - 1;
  const mant = digits[0] + (prec > 0 ? `.${digits.slice(1, prec + 1)}` : '');
  const es = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mant}${upper ? 'E' : 'e'}${es}`;
}

function fmtF(d: string, dp: number, prec: number): string {
  let int: string;
  let frac: string;
  if (d === '0') {
    int = '0';
    frac = '';
  } else if (dp <= 0) {
    int = '0';
    frac = '0'.repeat(-dp) + d;
  } else {
    int = d.slice(0, dp).padEnd(dp, '0');
    frac = d.slice(dp);
  }
  frac = frac.padEnd(prec, '0').slice(0, prec);
  return prec > 0 ? `${int}.${frac}` : int;
}

/** Go's strconv.FormatFloat for e, f, g with precision (-1 = shortest), without the sign. */
function formatFloatAbs(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return 'Inf';
  const ax = Math.abs(x);
  const upper = verb === 'E' || verb === 'G';
  switch (verb) {
    case 'e':
    case 'E': {
      if (prec < 0) {
        const { d, dp } = digitsOf(ax);
        return fmtE(d, dp, d.length - 1, upper);
      }
      const { d, dp } = digitsOf(ax, prec + 1);
      return fmtE(d, dp, prec, upper);
    }
    case 'f':
    case 'F': {
      if (prec < 0) {
        const { d, dp } = digitsOf(ax);
        return fmtF(d, dp, Math.max(d.length - dp, 0));
      }
      const exact = exactDigits(ax);
      const { d, dp } = roundDigits(exact, exact.dp + prec);
      return fmtF(d, dp, prec);
    }
    default: {
      const shortest = prec < 0;
      let p = prec === 0 ? 1 : prec;
      const { d, dp } = shortest ? digitsOf(ax) : digitsOf(ax, p);
      if (shortest) p = d.length;
      let eprec = p;
      if (eprec > d.length && d.length >= dp) eprec = d.length;
      if (shortest) eprec = 6;
      const exp = d === '0' ? 0 : dp - 1;
      if (exp < -4 || exp >= eprec) return fmtE(d, dp, Math.min(p, d.length) - 1, upper);
      const q = p > dp ? d.length : p;
      return fmtF(d, dp, Math.max(q - dp, 0));
    }
  }
}

function signed(neg: boolean, body: string, s: Spec): string {
  return (neg ? '-' : s.plus ? '+' : s.space ? ' ' : '') + body;
}

function pad(text: string, s: Spec, numeric: boolean): string {
  const w = s.width ?? 0;
  const len = [...text].length;
  if (len >= w) return text;
  if (s.minus) return text + ' '.repeat(w - len);
  if (s.zero && numeric) {
    const m = /^([+\- ]?(?:0[xXbBoO])?)(.*)$/s.exec(text)!;
    return m[1] + '0'.repeat(w - len) + m[2];
  }
  return ' '.repeat(w - len) + text;
}

function badVerb(verb: string, v: unknown): string {
  if (kindOf(v) === 'nil') return `%!${verb}(<nil>)`;
  return `%!${verb}(${goType(v)}=${fmtValue(v, 'v', NOFLAGS)})`;
}

const NOFLAGS: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };

/** One operand formatted with one verb, as Go's fmt does it. */
function fmtValue(v: unknown, verb: string, s: Spec): string {
  const k = kindOf(v);
  switch (k) {
    case 'nil':
      return verb === 'v' ? pad('<nil>', s, false) : badVerb(verb, v);
    case 'header':
      return '';
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), s, false) : badVerb(verb, v);
    case 'string': {
      let str = v as string;
      if (s.prec !== undefined && 'svq'.includes(verb)) str = [...str].slice(0, s.prec).join('');
      switch (verb) {
        case 'v':
        case 's':
          return pad(str, s, false);
        case 'q':
          return pad(s.sharp && !/[`\x00-\x08\x0a-\x1f\x7f]/.test(str) ? `\`${str}\`` : goQuote(str), s, false);
        case 'x':
        case 'X': {
          let bytes = [...Buffer.from(str, 'utf8')];
          if (s.prec !== undefined) bytes = bytes.slice(0, s.prec);
          const hex = bytes.map((b) => b.toString(16).padStart(2, '0'));
          const out = s.space ? hex.map((h) => (s.sharp ? `0x${h}` : h)).join(' ') : (s.sharp ? '0x' : '') + hex.join('');
          return pad(verb === 'X' ? out.toUpperCase() : out, s, false);
        }
        default:
          return badVerb(verb, v);
      }
    }
    case 'int': {
      const n = BigInt(v as number);
      const neg = n < 0n;
      const abs = neg ? -n : n;
      const digits = (base: number): string => {
        let t = abs.toString(base);
        if (s.prec !== undefined) t = s.prec === 0 && abs === 0n ? '' : t.padStart(s.prec, '0');
        return t;
      };
      const numeric = (body: string): string => pad(signed(neg, body, s), s.prec !== undefined ? { ...s, zero: false } : s, true);
      switch (verb) {
        case 'v':
        case 'd':
          return numeric(digits(10));
        case 'b':
          return numeric((s.sharp ? '0b' : '') + digits(2));
        case 'o':
          return numeric((s.sharp ? '0' : '') + digits(8));
        case 'O':
          return numeric('0o' + digits(8));
        case 'x':
          return numeric((s.sharp ? '0x' : '') + digits(16));
        case 'X':
          return numeric((s.sharp ? '0X' : '') + digits(16).toUpperCase());
        case 'c':
          return pad(String.fromCodePoint(Number(abs)), s, false);
        case 'q': {
          const ch = String.fromCodePoint(Number(abs));
          return pad(ch === "'" ? "'\\''" : `'${goQuote(ch).slice(1, -1).replace(/\\"/g, '"')}'`, s, false);
        }
        case 'U':
          return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}${s.sharp ? ` '${String.fromCodePoint(Number(abs))}'` : ''}`, s, false);
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
          return badVerb(verb, v);
        default:
          return badVerb(verb, v);
      }
    }
    case 'float': {
      const x = num(v);
      const neg = x < 0 || Object.is(x, -0);
      const fmtf = (vb: string, prec: number): string => {
        const body = formatFloatAbs(x, vb, prec);
        let out = signed(neg && body !== 'NaN', body, s);
        if (body === 'Inf' && !neg && !s.plus && !s.space) out = '+Inf';
        return pad(out, Number.isFinite(x) ? s : { ...s, zero: false }, true);
      };
      switch (verb) {
        case 'v':
        case 'g':
        case 'G':
          return fmtf(verb === 'v' ? 'g' : verb, s.prec ?? -1);
        case 'e':
        case 'E':
        case 'f':
        case 'F':
          return fmtf(verb, s.prec ?? 6);
        default:
          return badVerb(verb, v);
      }
    }
    case 'array':
      return `[${(v as unknown[]).map((e) => fmtValue(e, verb, s)).join(' ')}]`;
    default: {
      const o = v as Record<string, unknown>;
      return `map[${Object.keys(o)
        .sort()
        .map((key) => `${fmtValue(key, verb, s)}:${fmtValue(o[key], verb, s)}`)
        .join(' ')}]`;
    }
  }
}

/** fmt.Sprintf. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let k = 0;
  while (k < format.length) {
    const c = format[k] as string;
    if (c !== '%') {
      out += c;
      k++;
      continue;
    }
    k++;
    const s: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; k < format.length; k++) {
      const f = format[k];
      if (f === '-') s.minus = true;
      else if (f === '+') s.plus = true;
      else if (f === '#') s.sharp = true;
      else if (f === ' ') s.space = true;
      else if (f === '0') s.zero = !s.minus;
      else break;
    }
    const number = (): number | undefined => {
      if (format[k] === '*') {
        k++;
        const a = args[argi++];
        return kindOf(a) === 'int' ? (a as number) : undefined;
      }
      const m = /^[0-9]+/.exec(format.slice(k));
      if (!m) return undefined;
      k += m[0].length;
      return Number(m[0]);
    };
    const w = number();
    if (w !== undefined) {
      if (w < 0) {
        s.minus = true;
        s.width = -w;
      } else s.width = w;
    }
    if (format[k] === '.') {
      k++;
      s.prec = number() ?? 0;
    }
    if (s.minus) s.zero = false;
    const verb = [...format.slice(k)][0];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    k += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argi++];
    if (verb === 'T') out += pad(goType(a), s, false);
    else if (verb === 'v' && s.sharp) out += pad(JSON.stringify(a) ?? 'nil', s, false);
    else out += fmtValue(a, verb, s);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => (kindOf(a) === 'nil' ? '<nil>' : `${goType(a)}=${fmtValue(a, 'v', NOFLAGS)}`))
      .join(', ')})`;
  }
  return out;
}

function goSprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((a, n) => {
    const isString = typeof a === 'string';
    if (n > 0 && !isString && !prevString) out += ' ';
    out += fmtValue(a, 'v', NOFLAGS);
    prevString = isString;
  });
  return out;
}

function goSprintln(args: readonly unknown[]): string {
  return args.map((a) => fmtValue(a, 'v', NOFLAGS)).join(' ') + '\n';
}

/** Go's encoding/json with SetEscapeHTML(false), as docker's json function. */
function goJson(v: unknown): string {
  const out = JSON.stringify(v, (_k, x: unknown) => (x instanceof GoFloat ? x.v : x === HEADER ? '' : x));
  return (out ?? 'null').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// ---------------------------------------------------------------------------------------------------
// Functions

type Param = 'any' | 'string' | 'int';
interface Func {
  params: Param[];
  variadic?: Param;
  fn: (args: unknown[]) => unknown;
}

class FuncError extends Error {}

function basicKindCompare(name: string, a: unknown, b: unknown): number | undefined {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'nil' || kb === 'nil') {
    if (name === 'eq' || name === 'ne') return ka === kb ? 0 : undefined;
    throw new FuncError('invalid type for comparison');
  }
  const basic = (k: Kind): boolean => k === 'bool' || k === 'int' || k === 'float' || k === 'string';
  if (!basic(ka) || !basic(kb)) {
    if (name === 'eq' || name === 'ne') throw new FuncError(`non-comparable type ${fmtValue(basic(ka) ? b : a, 'v', NOFLAGS)}: ${goType(basic(ka) ? b : a)}`);
    throw new FuncError('invalid type for comparison');
  }
  if (ka !== kb) throw new FuncError('incompatible types for comparison');
  if (ka === 'bool') {
    if (name !== 'eq' && name !== 'ne') throw new FuncError('invalid type for comparison');
    return a === b ? 0 : 1;
  }
  if (ka === 'string') {
    const x = a as string;
    const y = b as string;
    return x === y ? 0 : Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  const x = num(a);
  const y = num(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = /[\p{L}\p{N}_]/u.test(prev) ? false : true;
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function indexValue(item: unknown, idx: unknown): unknown {
  const k = kindOf(item);
  if (k === 'nil') throw new FuncError('index of untyped nil');
  if (k === 'array' || k === 'string') {
    if (kindOf(idx) !== 'int') throw new FuncError(`cannot index slice/array with type ${goType(idx)}`);
    const n = idx as number;
    const len = k === 'string' ? Buffer.from(item as string).length : (item as unknown[]).length;
    if (n < 0 || n >= len) throw new FuncError(`index out of range: ${n}`);
    return k === 'string' ? Buffer.from(item as string)[n] : (item as unknown[])[n];
  }
  if (k === 'map') {
    if (kindOf(idx) !== 'string') throw new FuncError(`value has type ${goType(idx)}; should be string`);
    const o = item as Record<string, unknown>;
    return Object.hasOwn(o, idx as string) ? o[idx as string] : null;
  }
  throw new FuncError(`can't index item of type ${goType(item)}`);
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c] ?? c);
}

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\x00-\x1f]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === "'") return "\\'";
    if (c === '"') return '\\"';
    return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

function evalArgsString(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(args);
}

const FUNCS: Record<string, Func> = {
  // and/or are evaluated lazily in evalFunction; these entries give their arity.
  and: { params: ['any'], variadic: 'any', fn: (a) => a[a.length - 1] },
  or: { params: ['any'], variadic: 'any', fn: (a) => a[a.length - 1] },
  not: { params: ['any'], fn: ([a]) => !isTrue(a) },
  len: {
    params: ['any'],
    fn: ([a]) => {
      switch (kindOf(a)) {
        case 'string':
          return utf8(a as string);
        case 'array':
          return (a as unknown[]).length;
        case 'map':
          return Object.keys(a as object).length;
        case 'nil':
          throw new FuncError('len of nil pointer');
        default:
          throw new FuncError(`len of type ${goType(a)}`);
      }
    },
  },
  index: { params: ['any'], variadic: 'any', fn: ([item, ...idx]) => idx.reduce((cur, i) => indexValue(cur, i), item) },
  slice: {
    params: ['any'],
    variadic: 'any',
    fn: ([item, ...idx]) => {
      const k = kindOf(item);
      if (k === 'nil') throw new FuncError('slice of untyped nil');
      if (k !== 'array' && k !== 'string') throw new FuncError(`can't slice item of type ${goType(item)}`);
      if (idx.length > 3 || (k === 'string' && idx.length > 2)) throw new FuncError(`too many slice indexes: ${idx.length}`);
      const len = k === 'string' ? (item as string).length : (item as unknown[]).length;
      const n = idx.map((i) => {
        if (kindOf(i) !== 'int') throw new FuncError(`cannot index slice/array with type ${goType(i)}`);
        const x = i as number;
        if (x < 0 || x > len) throw new FuncError(`index out of range: ${x}`);
        return x;
      });
      const from = n[0] ?? 0;
      const to = n[1] ?? len;
      if (from > to) throw new FuncError(`invalid slice index: ${from} > ${to}`);
      return k === 'string' ? (item as string).slice(from, to) : (item as unknown[]).slice(from, to);
    },
  },
  print: { params: [], variadic: 'any', fn: (a) => goSprint(a) },
  printf: { params: ['string'], variadic: 'any', fn: ([f, ...a]) => goSprintf(f as string, a) },
  println: { params: [], variadic: 'any', fn: (a) => goSprintln(a) },
  eq: {
    params: ['any'],
    variadic: 'any',
    fn: ([a, ...rest]) => {
      if (rest.length === 0) throw new FuncError('missing argument for comparison');
      return rest.some((b) => basicKindCompare('eq', a, b) === 0);
    },
  },
  ne: { params: ['any', 'any'], fn: ([a, b]) => basicKindCompare('ne', a, b) !== 0 },
  lt: { params: ['any', 'any'], fn: ([a, b]) => basicKindCompare('lt', a, b)! < 0 },
  le: { params: ['any', 'any'], fn: ([a, b]) => basicKindCompare('le', a, b)! <= 0 },
  gt: { params: ['any', 'any'], fn: ([a, b]) => basicKindCompare('gt', a, b)! > 0 },
  ge: { params: ['any', 'any'], fn: ([a, b]) => basicKindCompare('ge', a, b)! >= 0 },
  html: { params: [], variadic: 'any', fn: (a) => htmlEscape(evalArgsString(a)) },
  js: { params: [], variadic: 'any', fn: (a) => jsEscape(evalArgsString(a)) },
  urlquery: { params: [], variadic: 'any', fn: (a) => encodeURIComponent(evalArgsString(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) },
  call: {
    params: ['any'],
    variadic: 'any',
    fn: ([f]) => {
      throw new FuncError(`non-function ${fmtValue(f, 'v', NOFLAGS)} of type ${goType(f)}`);
    },
  },
  json: { params: ['any'], fn: ([a]) => goJson(a) },
  split: { params: ['string', 'string'], fn: ([s, sep]) => (sep === '' ? [...(s as string)] : (s as string).split(sep as string)) },
  join: {
    params: ['any', 'string'],
    fn: ([elems, sep]) => {
      const k = kindOf(elems);
      if (k === 'nil') return '';
      if (k === 'array') return (elems as unknown[]).map((e) => fmtValue(e, 'v', NOFLAGS)).join(sep as string);
      if (k === 'map') return Object.values(elems as object).map((e) => fmtValue(e, 'v', NOFLAGS)).sort().join(sep as string);
      throw new FuncError(`expected slice, got ${goType(elems)}`);
    },
  },
  title: { params: ['string'], fn: ([s]) => title(s as string) },
  lower: { params: ['string'], fn: ([s]) => (s as string).toLowerCase() },
  upper: { params: ['string'], fn: ([s]) => (s as string).toUpperCase() },
  pad: { params: ['string', 'int', 'int'], fn: ([s, a, b]) => (s === '' ? '' : ' '.repeat(Math.max(a as number, 0)) + s + ' '.repeat(Math.max(b as number, 0))) },
  truncate: {
    params: ['string', 'int'],
    fn: ([s, n]) => {
      const b = Buffer.from(s as string);
      return b.length < (n as number) ? s : b.subarray(0, n as number).toString('utf8');
    },
  },
};

/** docker's HeaderFunctions: a column's name stays as it is. */
const passThrough = (params: Param[]): Func => ({ params, fn: ([s]) => s });
const HEADER_FUNCS: Record<string, Func> = {
  ...FUNCS,
  json: passThrough(['string']),
  split: passThrough(['string', 'string']),
  join: passThrough(['string', 'string']),
  title: passThrough(['string']),
  lower: passThrough(['string']),
  upper: passThrough(['string']),
  truncate: passThrough(['string', 'int']),
};

// ---------------------------------------------------------------------------------------------------
// Execution

class Break {}
class Continue {}

export interface ExecOptions {
  /** Render the header row of a `table` template: every field is its column name. */
  header?: boolean;
}

/** Executes a parsed template on JSON-shaped data; throws TemplateError('exec') with Go's message. */
export function executeTemplate(tmpl: Template, data: unknown, opts: ExecOptions = {}): string {
  const out: string[] = [];
  const header = opts.header === true;
  const funcs = header ? HEADER_FUNCS : FUNCS;
  let vars: { name: string; value: unknown }[] = [{ name: '$', value: header ? HEADER : data }];
  let at: { pos: number; text: string } = { pos: 0, text: '' };

  const fail = (msg: string, fields?: readonly string[]): never => {
    const before = tmpl.text.slice(0, at.pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? utf8(before) : utf8(before.slice(nl + 1));
    throw new TemplateError('exec', `template: ${tmpl.name}:${line}:${col}: executing ${goQuote(tmpl.name)} at <${at.text}>: ${msg}`, fields);
  };
  const setAt = (pos: number, text: string): void => {
    at = { pos, text };
  };

  try {
    walkList(header ? HEADER : data, tmpl.root);
  } catch (err) {
    if (err instanceof Break || err instanceof Continue) throw new TemplateError('exec', 'break or continue outside range');
    if (header) return out.join('');
    throw err;
  }
  return out.join('');

  function walkList(dot: unknown, list: readonly Node[]): void {
    for (const n of list) walk(dot, n);
  }

  function walk(dot: unknown, n: Node): void {
    switch (n.t) {
      case 'text':
        out.push(n.text);
        return;
      case 'action': {
        const v = evalPipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) out.push(printValue(v));
        return;
      }
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
      case 'if':
      case 'with': {
        const mark = vars.length;
        const v = evalPipeline(dot, n.pipe);
        if (isTrue(v)) walkList(n.t === 'with' ? v : dot, n.list);
        else if (n.elseList) walkList(dot, n.elseList);
        vars = vars.slice(0, mark);
        return;
      }
      case 'range':
        walkRange(dot, n);
        return;
    }
  }

  function walkRange(dot: unknown, n: Extract<Node, { list: Node[] }>): void {
    const mark = vars.length;
    const val = evalPipeline(dot, n.pipe);
    const decl = n.pipe.decl;
    const one = (index: unknown, elem: unknown): boolean => {
      if (decl.length > 0) {
        if (n.pipe.isAssign) {
          if (decl.length > 1) {
            setVar(decl[0]!, index);
            setVar(decl[1]!, elem);
          } else setVar(decl[0]!, elem);
        } else {
          setTopVar(decl.length > 1 ? 2 : 1, decl.length > 1 ? index : elem);
          if (decl.length > 1) setTopVar(1, elem);
        }
      }
      const inner = vars.length;
      try {
        walkList(elem, n.list);
      } catch (err) {
        if (err instanceof Break) return false;
        if (!(err instanceof Continue)) throw err;
      } finally {
        vars = vars.slice(0, inner);
      }
      return true;
    };
    let ran = false;
    switch (kindOf(val)) {
      case 'array':
        for (const [k, e] of (val as unknown[]).entries()) {
          ran = true;
          if (!one(k, e)) break;
        }
        break;
      case 'map': {
        const o = val as Record<string, unknown>;
        for (const key of Object.keys(o).sort()) {
          ran = true;
          if (!one(key, o[key])) break;
        }
        break;
      }
      case 'int': {
        if (decl.length > 1) fail(`can't use ${val} to iterate over more than one variable`);
        for (let k = 0; k < (val as number); k++) {
          ran = true;
          if (!one(k, k)) break;
        }
        break;
      }
      case 'nil':
        break;
      default:
        setAt(n.pos, pipeString(n.pipe));
        fail(`range can't iterate over ${fmtValue(val, 'v', NOFLAGS)}`);
    }
    if (!ran && n.elseList) walkList(dot, n.elseList);
    vars = vars.slice(0, mark);
  }

  function setVar(name: string, value: unknown): void {
    for (let k = vars.length - 1; k >= 0; k--) {
      if (vars[k]!.name === name) {
        vars[k]!.value = value;
        return;
      }
    }
    fail(`undefined variable: ${name}`);
  }

  function setTopVar(n: number, value: unknown): void {
    vars[vars.length - n]!.value = value;
  }

  function varValue(name: string): unknown {
    for (let k = vars.length - 1; k >= 0; k--) if (vars[k]!.name === name) return vars[k]!.value;
    return fail(`undefined variable: ${name}`);
  }

  function evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) setVar(name, value);
      else vars.push({ name, value });
    }
    return value === MISSING ? null : value;
  }

  function notAFunction(args: readonly Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING) fail(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  function evalCommand(dot: unknown, cmd: Cmd, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.t) {
      case 'field':
        return evalFieldChain(dot, first, first.idents, cmd.args, final);
      case 'chain':
        return evalFieldChain(evalArg(dot, 'any', first.node), first, first.idents, cmd.args, final);
      case 'ident':
        return evalFunction(dot, first.name, cmd, cmd.args.slice(1), final);
      case 'pipe':
        setAt(first.pos, argString(first));
        notAFunction(cmd.args, final);
        return evalPipeline(dot, first.pipe);
      case 'var': {
        setAt(first.pos, argString(first));
        const v = varValue(first.name);
        if (first.idents.length === 0) {
          notAFunction(cmd.args, final);
          return v;
        }
        return evalFieldChain(v, first, first.idents, cmd.args, final);
      }
      default:
        break;
    }
    setAt(first.pos, argString(first));
    notAFunction(cmd.args, final);
    switch (first.t) {
      case 'bool':
        return first.v;
      case 'dot':
        return dot;
      case 'nil':
        return fail('nil is not a command');
      case 'number':
        return constant(first);
      case 'string':
        return first.v;
    }
  }

  function constant(n: Extract<Arg, { t: 'number' }>): unknown {
    const floatish = n.float !== undefined && !/^[+-]?0[xX][0-9a-fA-F_]+$/.test(n.text) && !n.text.startsWith("'") && /[.eEpP]/.test(n.text);
    if (floatish) return new GoFloat(n.float!);
    if (n.int !== undefined) return n.int;
    return new GoFloat(n.float!);
  }

  function evalFieldChain(receiver: unknown, node: Arg, idents: readonly string[], args: readonly Arg[], final: Final): unknown {
    setAt(node.pos, argString(node));
    let cur = receiver;
    idents.forEach((name, k) => {
      const last = k === idents.length - 1;
      cur = evalField(name, last ? args : [], last ? final : MISSING, cur);
    });
    return cur;
  }

  function evalField(name: string, args: readonly Arg[], final: Final, receiver: unknown): unknown {
    const hasArgs = args.length > 1 || final !== MISSING;
    if (header && (receiver === HEADER || typeof receiver === 'string')) {
      if (hasArgs) fail(`${name} is not a method but has arguments`);
      return headerName(name);
    }
    const k = kindOf(receiver);
    if (k === 'nil') return fail(`nil pointer evaluating interface {}.${name}`);
    if (k === 'map') {
      const o = receiver as Record<string, unknown>;
      if (!Object.hasOwn(o, name)) return fail(`can't evaluate field ${name}`, Object.keys(o));
      if (hasArgs) fail(`${name} is not a method but has arguments`);
      return o[name];
    }
    return fail(`can't evaluate field ${name} in type ${goType(receiver)}`);
  }

  function evalFunction(dot: unknown, name: string, cmd: Cmd, args: readonly Arg[], final: Final): unknown {
    setAt(cmd.args[0]!.pos, name);
    const f = funcs[name];
    if (!f) return fail(`${goQuote(name)} is not a defined function`);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (f.variadic) {
      if (numIn < f.params.length) fail(`wrong number of args for ${name}: want at least ${f.params.length} got ${args.length}`);
    } else if (numIn !== f.params.length) fail(`wrong number of args for ${name}: want ${f.params.length} got ${numIn}`);
    const paramAt = (k: number): Param => f.params[k] ?? f.variadic ?? 'any';
    if (name === 'and' || name === 'or') {
      // Go evaluates their arguments one by one and returns the deciding value.
      let v: unknown = null;
      for (const a of args) {
        v = evalArg(dot, 'any', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final !== MISSING ? final : v;
    }
    const values: unknown[] = [];
    args.forEach((a, k) => values.push(evalArg(dot, paramAt(k), a)));
    if (final !== MISSING) values.push(validate(final, paramAt(args.length)));
    setAt(cmd.pos, cmdString(cmd));
    try {
      return f.fn(values);
    } catch (err) {
      if (err instanceof FuncError) return fail(`error calling ${name}: ${err.message}`);
      throw err;
    }
  }

  function validate(v: unknown, p: Param): unknown {
    if (p === 'any') return v;
    const k = kindOf(v);
    if (k === 'nil') return fail(`invalid value; expected ${p}`);
    if (p === 'string' && k !== 'string' && !(header && k === 'header')) fail(`wrong type for value; expected string; got ${goType(v)}`);
    if (p === 'int' && k !== 'int') fail(`wrong type for value; expected int; got ${goType(v)}`);
    return k === 'header' ? '' : v;
  }

  function evalArg(dot: unknown, p: Param, a: Arg): unknown {
    setAt(a.pos, argString(a));
    switch (a.t) {
      case 'dot':
        return validate(dot, p);
      case 'nil':
        if (p === 'any') return null;
        return fail(`cannot assign nil to ${p}`);
      case 'field':
        return validate(evalFieldChain(dot, a, a.idents, [a], MISSING), p);
      case 'var': {
        const v = varValue(a.name);
        return validate(a.idents.length ? evalFieldChain(v, a, a.idents, [a], MISSING) : v, p);
      }
      case 'pipe':
        return validate(evalPipeline(dot, a.pipe), p);
      case 'ident':
        return validate(evalFunction(dot, a.name, { pos: a.pos, args: [a] }, [], MISSING), p);
      case 'chain':
        return validate(evalFieldChain(evalArg(dot, 'any', a.node), a, a.idents, [a], MISSING), p);
      default:
        break;
    }
    switch (p) {
      case 'string':
        if (a.t === 'string') return a.v;
        return fail(`expected string; found ${argString(a)}`);
      case 'int':
        if (a.t === 'number' && a.int !== undefined) return a.int;
        return fail(`expected integer; found ${argString(a)}`);
      default:
        if (a.t === 'string') return a.v;
        if (a.t === 'bool') return a.v;
        if (a.t === 'number') return constant(a);
        return null;
    }
  }

  function printValue(v: unknown): string {
    if (v === null || v === undefined) return '<no value>';
    return fmtValue(v, 'v', NOFLAGS);
  }
}

// ---------------------------------------------------------------------------------------------------
// docker's tabwriter (minwidth 10, tabwidth 1, padding 3, padchar ' ', no flags): elastic tabstops.

function cellWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (/\p{M}/u.test(ch) || cp === 0x200b) continue;
    w +=
      (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

/** Aligns tab-separated cells as docker's table output does (its fork of Go's text/tabwriter). */
export function tabwrite(input: string, minwidth = 10, padding = 3): string {
  interface Cell {
    text: string;
    width: number;
    htab: boolean;
  }
  let out = '';
  let lines: Cell[][] = [[]];
  let cell = '';
  let widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let k = line0; k < line1; k++) {
      const line = lines[k]!;
      line.forEach((c, j) => {
        out += c.text;
        if (j < widths.length) out += ' '.repeat(Math.max(widths[j]! - c.width, 0));
      });
      if (k + 1 === lines.length) out += cell;
      else out += '\n';
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let th = line0; th < line1; th++) {
      if (column >= lines[th]!.length - 1) continue;
      writeLines(line0, th);
      line0 = th;
      let width = minwidth;
      for (; th < line1; th++) {
        const line = lines[th]!;
        if (column >= line.length - 1) break;
        const w = line[column]!.width + padding;
        if (w > width) width = w;
      }
      widths.push(width);
      format(line0, th);
      widths.pop();
      line0 = th;
    }
    writeLines(line0, line1);
  };
  const flush = (): void => {
    format(0, lines.length);
    lines = [[]];
    widths = [];
  };
  const terminate = (htab: boolean): number => {
    const line = lines[lines.length - 1]!;
    line.push({ text: cell, width: cellWidth(cell), htab });
    cell = '';
    return line.length;
  };
  for (const ch of input) {
    if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
      const n = terminate(ch === '\t');
      if (ch === '\n' || ch === '\f') {
        lines.push([]);
        if (ch === '\f' || n === 1) flush();
      }
    } else cell += ch;
  }
  if (cell.length > 0) terminate(false);
  flush();
  return out;
}
