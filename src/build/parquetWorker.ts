// Worker-thread entry of ParquetSink's encoder pool (piscina): encodes one row group (GroupEncoder) and
// returns it; the compressor is set up once per thread.
import { GroupEncoder, compressorFor, type Compression, type EncodedGroup, type GroupInput } from './parquetGroup.js';

let encoder: Promise<GroupEncoder> | undefined;

export default async function encodeGroup(task: { compression: Compression; input: GroupInput }): Promise<EncodedGroup> {
  encoder ??= compressorFor(task.compression).then((c) => new GroupEncoder(c));
  return (await encoder).encode(task.input);
}
