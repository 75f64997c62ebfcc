import { isUtf8 } from "node:buffer";
import { createReadStream, type ReadStream } from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import { Parser } from "csv-parse";
import type { ErpFilePattern } from "../../config/schema.js";
import type { RejectRecord } from "../../load/interfaces.js";
import {
  invalidUtf8Offsets,
  parseBoolean,
  parseDate,
  parseDecimal,
  parseInteger,
  type Converted,
} from "./csv-values.js";

/**
 * Parsing and converting a legacy-ERP CSV export: csv-parse, then every typed value converted
 * (decimal comma, day-first dates). Bad rows become rejects with file, line, field and reason.
 * It runs in a worker thread (csv-worker.ts).
 */
export interface CsvBatch {
  /**
   * The good rows' values, column-major: one array per field (converted: decimal comma and dates
   * canonicalised), in the header's order. Columns cross to the loading thread as arrays of
   * strings, far cheaper to copy and to load than one object per row.
   */
  columns: { names: string[]; values: unknown[][] };
  /**
   * The line each good row ends on (its position is `file:line`, built by the loading thread:
   * a typed array crosses threads as one copy, 25,000 strings as 25,000).
   */
  lines: Int32Array;
  /**
   * Each good row's payload: the row exactly as read (header → field text, before any
   * conversion), as JSON text. Serialised here: the loading thread is the busier of the two
   * (300k rows, 3 alternating pairs: 12.1/11.9/12.0 s against 13.3/13.4/11.9 s).
   */
  payloads: string[];
  rejects: RejectRecord[];
  /** The file's final batch (possibly empty): the one that records the file as loaded. */
  last?: boolean;
}

function converter(type: string, pattern: ErpFilePattern): (raw: string) => Converted {
  switch (type) {
    case "numeric":
      return (raw) => parseDecimal(raw, pattern.decimalComma);
    case "date":
      return (raw) => parseDate(raw, pattern.dateFormat);
    case "bigint":
      return parseInteger;
    case "boolean":
      return parseBoolean;
    default:
      return (raw) => ({ ok: true, value: raw });
  }
}

/**
 * csv-parse's own `info` option costs a fifth of the parse: it builds two objects of a dozen
 * properties for every record, and `raw` appends every byte to a second buffer. The line a
 * record ends on is `this.info.lines` at the moment the record is pushed, so each record is
 * pushed with that number instead: the same figure `info.lines` would report.
 */
class NumberedParser extends Parser {
  constructor(options: ConstructorParameters<typeof Parser>[0]) {
    super(options);
    // csv-parse turns each field into a string with `buf.slice(0, length).toString(encoding)`:
    // a Buffer view allocated per field only to be dropped (8 % of the worker's CPU on a 300k-row
    // file: 10.4 -> 9.6 µs a row). `buf.toString(encoding, 0, length)` gives the same string
    // without it. Applied only when the field buffer has the shape of csv-parse 6's
    // ResizeableBuffer; any other shape is left alone (same output, just slower).
    type FieldBuffer = { buf?: unknown; length?: unknown; toString: (encoding?: BufferEncoding) => unknown };
    const field = (this as unknown as { state?: { field?: FieldBuffer } }).state?.field;
    if (field && Buffer.isBuffer(field.buf) && typeof field.length === "number") {
      const original = field.toString;
      field.toString = function (this: { buf: Buffer; length: number }, encoding?: BufferEncoding) {
        return encoding ? this.buf.toString(encoding, 0, this.length) : original.call(this);
      };
    }
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    return super.push(chunk === null ? null : { line: this.info.lines, fields: chunk }, encoding);
  }
}

/**
 * The lines of a UTF-8 file that hold bytes which are not UTF-8 (a Latin-1 `é` is one byte,
 * 0xE9), each with its first such byte. Decoding would turn them into U+FFFD without a word;
 * the rows on these lines are rejected instead. Every chunk is checked with `isUtf8` (native,
 * no copy); only a chunk it refuses is scanned byte by byte.
 */
function watchUtf8(input: ReadStream): { line: number; byte: number }[] {
  const bad: { line: number; byte: number }[] = [];
  let line = 1;
  let carry: Buffer | undefined;
  const newlines = (buf: Uint8Array, from: number, to: number) => {
    let n = 0;
    for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) n++;
    return n;
  };
  input.on("data", (data: string | Buffer) => {
    const chunk = typeof data === "string" ? Buffer.from(data) : data;
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = undefined;
    // A sequence the chunk boundary cuts waits for the next chunk.
    let end = buf.length;
    let k = end - 1;
    while (k >= 0 && end - k < 4 && (buf[k]! & 0xc0) === 0x80) k--;
    if (k >= 0 && buf[k]! >= 0xc0) {
      const need = buf[k]! >= 0xf0 ? 4 : buf[k]! >= 0xe0 ? 3 : 2;
      if (end - k < need) {
        carry = buf.subarray(k);
        end = k;
      }
    }
    const body = buf.subarray(0, end);
    if (!isUtf8(body)) {
      let at = 0;
      for (const offset of invalidUtf8Offsets(body)) {
        line += newlines(body, at, offset);
        at = offset;
        if (bad[bad.length - 1]?.line !== line) bad.push({ line, byte: body[offset]! });
      }
      line += newlines(body, at, body.length);
    } else line += newlines(body, 0, body.length);
  });
  input.on("end", () => {
    if (carry && bad[bad.length - 1]?.line !== line) bad.push({ line, byte: carry[0]! });
  });
  return bad;
}

/**
 * A single-byte encoding (`latin1`: ISO-8859-1; `windows-1252`, which gives 0x80–0x9F the euro
 * sign, curly quotes…) turned into UTF-8 for the parser. Every byte is a character in both.
 */
function toUtf8(encoding: "latin1" | "windows-1252"): Transform {
  const decoder = new TextDecoder("windows-1252");
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(
        null,
        Buffer.from(
          encoding === "latin1" ? chunk.toString("latin1") : decoder.decode(chunk, { stream: true }),
          "utf8",
        ),
      );
    },
  });
}

/** The file's rows in batches of at most `batchRows` rows plus rejects, on this thread. */
export async function* parseCsvBatches(
  file: string,
  pattern: ErpFilePattern,
  batchRows: number,
): AsyncGenerator<CsvBatch> {
  const name = path.basename(file);
  const skipped: RejectRecord[] = [];
  const skippedLines: number[] = [];
  const input = createReadStream(file);
  const encoding = pattern.encoding;
  const notUtf8 = encoding === "utf8" ? watchUtf8(input) : [];
  let nextBad = 0;
  const parser = (encoding === "utf8" ? input : input.pipe(toUtf8(encoding))).pipe(
    new NumberedParser({
      delimiter: pattern.delimiter,
      bom: pattern.bom,
      skip_empty_lines: true,
      relax_quotes: false,
      // Records are arrays, checked against the header's length (the first record).
      skip_records_with_error: true,
      on_skip: (err) => {
        if (typeof err?.lines === "number") skippedLines.push(err.lines);
        skipped.push({
          position: `${name}:${err?.lines ?? "?"}`,
          reason: err
            ? err.message.replace(/^Invalid Record Length: /, "wrong number of columns: ")
            : "unparseable row",
          // The fields as parsed, when csv-parse got that far (a wrong column count).
          record: (err as { record?: unknown } | undefined)?.record,
        });
        return undefined;
      },
    }),
  );
  let header: string[] | undefined;
  let headerNotUtf8: { line: number; byte: number } | undefined;
  let previousLine = 0;
  let converters: (((raw: string) => Converted) | undefined)[] = [];
  let keyIndexes: number[] = [];
  // A name the header repeats keeps its last field, as an object would (and the payload does).
  let names: string[] = [];
  let sourceIndex: number[] = [];
  let converted: unknown[] = [];
  const asRead: Record<string, string> = {};
  const emptyColumns = () => ({ names, values: names.map((): unknown[] => []) });
  let columns = emptyColumns();
  let lines: number[] = [];
  let payloads: string[] = [];
  let rejects: RejectRecord[] = [];
  // Records are taken with `read()` as many as are buffered, not one `for await` step each: an
  // async iteration per record costs promises and microtasks (12 % of the worker's time).
  input.on("error", (err) => parser.destroy(err));
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let poked = false;
  const poke = () => {
    poked = true;
    wake?.();
  };
  parser.on("readable", poke);
  parser.on("end", () => ((ended = true), poke()));
  parser.on("error", (err: Error) => ((failure = err), poke()));
  try {
    for (;;) {
      const rec = parser.read() as { line: number; fields: string[] } | null;
      if (rec === null) {
        if (failure) throw failure;
        if (ended) break;
        if (!poked) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        poked = false;
        continue;
      }
      const { line, fields } = rec;
      // Bytes that are not UTF-8 on this record's lines (after the previous record, and not on
      // a row the parser skipped in between): reported at the first such line.
      let notUtf8Here: { line: number; byte: number } | undefined;
      while (nextBad < notUtf8.length && notUtf8[nextBad]!.line <= line) {
        const b = notUtf8[nextBad++]!;
        if (b.line > previousLine && !skippedLines.some((s) => s >= b.line && s < line)) notUtf8Here ??= b;
      }
      previousLine = line;
      if (!header) {
        headerNotUtf8 = notUtf8Here;
        header = fields.map((h) => h.trim());
        converters = header.map((c) => {
          const type = pattern.columns[c];
          return type && type !== "text" ? converter(type, pattern) : undefined;
        });
        keyIndexes = pattern.primaryKey.map((k) => header!.indexOf(k));
        names = [...new Set(header)];
        sourceIndex = names.map((n) => header!.lastIndexOf(n));
        converted = new Array(header.length);
        columns = emptyColumns();
        continue;
      }
      let bad: RejectRecord | undefined;
      const encodingError = notUtf8Here ?? headerNotUtf8;
      if (encodingError) {
        const key = keyIndexes.map((k) => (k < 0 ? undefined : fields[k])).join("|");
        const where = notUtf8Here ? `line ${encodingError.line}` : `the header (line ${encodingError.line})`;
        bad = {
          position: `${name}:${line}`,
          recordKey: key || undefined,
          reason: `${where} is not valid UTF-8 (byte 0x${encodingError.byte.toString(16).toUpperCase().padStart(2, "0")}); the row is not loaded rather than loaded with U+FFFD in place of its characters. If the file is Latin-1 or Windows-1252, set encoding: "latin1" or "windows-1252" on its file pattern`,
          record: Object.fromEntries(header.map((h, j) => [h, fields[j]])),
        };
      }
      for (let i = 0; i < header.length && !bad; i++) {
        const value = fields[i]!;
        const conv = converters[i];
        if (!conv) {
          converted[i] = value;
          continue;
        }
        const r = conv(value);
        if (!r.ok) {
          const col = header[i]!;
          const key = keyIndexes.map((k) => (k < 0 ? undefined : fields[k])).join("|");
          const record = Object.fromEntries(header.map((h, j) => [h, fields[j]]));
          bad = {
            position: `${name}:${line}`,
            recordKey: key || undefined,
            field: col,
            reason: `${col}: ${r.reason}`,
            record,
          };
          break;
        }
        converted[i] = r.value;
      }
      if (bad) rejects.push(bad);
      else {
        for (let c = 0; c < names.length; c++) columns.values[c]!.push(converted[sourceIndex[c]!]);
        lines.push(line);
        // The untouched payload (CONTRACTS.md, raw): the text of each field, `1.190,00` and
        // `31.10.2026` as the export wrote them; staging's columns hold the converted values. One
        // object reused for every row (same shape, no allocation); JSON.stringify of it measured
        // faster than building the text by concatenation.
        for (let i = 0; i < header.length; i++) asRead[header[i]!] = fields[i]!;
        payloads.push(JSON.stringify(asRead));
      }
      if (skipped.length) rejects.push(...skipped.splice(0));
      if (lines.length + rejects.length >= batchRows) {
        yield { columns, lines: Int32Array.from(lines), payloads, rejects };
        columns = emptyColumns();
        lines = [];
        payloads = [];
        rejects = [];
      }
    }
  } finally {
    parser.destroy();
    input.destroy();
  }
  rejects.push(...skipped.splice(0));
  yield { columns, lines: Int32Array.from(lines), payloads, rejects, last: true };
}
