// Thrift compact protocol, the encoding of Parquet's page headers and file footer, as far as they need it:
// structs of i32/i64/binary/bool/struct/list fields written in increasing field-id order.
// https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
//   field  := delta<<4 | type (delta = id - previous id, 1..15), else type then zigzag varint id
//   int    := zigzag varint;  binary := varint length, bytes;  bool field := type 1 (true) or 2 (false)
//   list   := size<<4 | elemType (size < 15), else 0xF0 | elemType, varint size; then the elements
//   struct := fields, 0 (stop)
// Numbers stay JS numbers: every i64 written here (sizes, offsets, row counts) is a safe integer.

export const T_TRUE = 1;
export const T_FALSE = 2;
export const T_I32 = 5;
export const T_I64 = 6;
export const T_BINARY = 8;
export const T_LIST = 9;
export const T_STRUCT = 12;

export class CompactWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  private last: number[] = [0];

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  i32(id: number, v: number): this {
    this.field(id, T_I32);
    this.varint(zigzag(v));
    return this;
  }

  i64(id: number, v: number): this {
    this.field(id, T_I64);
    this.varint(zigzag(v));
    return this;
  }

  binary(id: number, v: Uint8Array | string): this {
    this.field(id, T_BINARY);
    this.rawBinary(v);
    return this;
  }

  bool(id: number, v: boolean): this {
    this.field(id, v ? T_TRUE : T_FALSE);
    return this;
  }

  /** A struct field whose fields `body` writes. */
  struct(id: number, body: (w: this) => void): this {
    this.field(id, T_STRUCT);
    this.structBody(body);
    return this;
  }

  /** A list of structs. */
  structs<T>(id: number, items: readonly T[], body: (w: this, item: T) => void): this {
    this.listHeader(id, items.length, T_STRUCT);
    for (const item of items) this.structBody((w) => body(w, item));
    return this;
  }

  i32s(id: number, items: readonly number[]): this {
    this.listHeader(id, items.length, T_I32);
    for (const v of items) this.varint(zigzag(v));
    return this;
  }

  binaries(id: number, items: readonly string[]): this {
    this.listHeader(id, items.length, T_BINARY);
    for (const v of items) this.rawBinary(v);
    return this;
  }

  /** Close the top-level struct. */
  end(): Uint8Array {
    this.byte(0);
    return this.bytes();
  }

  private structBody(body: (w: this) => void): void {
    this.last.push(0);
    body(this);
    this.byte(0);
    this.last.pop();
  }

  private listHeader(id: number, size: number, elem: number): void {
    this.field(id, T_LIST);
    if (size < 15) this.byte((size << 4) | elem);
    else {
      this.byte(0xf0 | elem);
      this.varint(size);
    }
  }

  private field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.varint(zigzag(id));
    }
    this.last[this.last.length - 1] = id;
  }

  private rawBinary(v: Uint8Array | string): void {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  private varint(v: number): void {
    // v is a non-negative safe integer; 7 bits a byte, low first.
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  private byte(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** ZigZag of a safe integer: 0, -1, 1, -2 → 0, 1, 2, 3 (arithmetic, not 32-bit shifts). */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}
