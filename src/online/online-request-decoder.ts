/**
 * A hand-written decoder for GetOnlineFeaturesRequest, the serving hot path.
 * The feature selection of a model's requests repeats request after request,
 * so its bytes are cached: a repeated selection costs one lookup instead of
 * decoding 50 or 250 strings, and the same FeatureSelection object lets the
 * retrieval plan cache hit by identity. Entity and context values go through the shared
 * RepeatedValue decoder (values/repeated-value-decoder.ts); any unexpected layout falls back
 * to protobuf-es. The result equals `fromBinary`'s.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type FeatureSelection,
  FeatureSelectionSchema,
  type GetOnlineFeaturesRequest,
  GetOnlineFeaturesRequestSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { decodeRepeatedValueEntry, orLibrary, plain, WireReader } from "../values/index.js";

const MAX_CACHED_SELECTIONS = 1024;
/** Larger selections are decoded each time: 1,024 cached selections of megabytes each would hold gigabytes. */
const MAX_CACHED_SELECTION_BYTES = 64 * 1024;
const selections = new Map<string, FeatureSelection>();
/** How many of the last distinct selections are checked before the map (a model's few selections). */
const RECENT_SELECTIONS = 4;
const recentSelections: { bytes: Buffer; selection: FeatureSelection }[] = [];

/** Decodes GetOnlineFeaturesRequest bytes; throws on invalid input like `fromBinary`. */
export function decodeOnlineRequest(bytes: Uint8Array): GetOnlineFeaturesRequest {
  return orLibrary(bytes, (buf) => decode(buf, bytes), library);
}

const library = (bytes: Uint8Array) => fromBinary(GetOnlineFeaturesRequestSchema, bytes);

function decode(buf: Buffer, bytes: Uint8Array): GetOnlineFeaturesRequest {
  const r = new WireReader(buf, 0, buf.length);
  const message = create(GetOnlineFeaturesRequestSchema);
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 6 && wireType === 2 && message.selection === undefined) {
      const [s, e] = r.delimited();
      message.selection = selectionAt(buf, s, e);
    } else if ((field === 3 || field === 5) && wireType === 2) {
      const [s, e] = r.delimited();
      const [key, value] = decodeRepeatedValueEntry(buf, s, e);
      (field === 3 ? message.entities : message.requestContext)[key] = value;
    } else if (field === 4 && wireType === 0) {
      message.fullFeatureNames = r.varint() !== 0;
    } else {
      // Unknown or unexpected fields, or a second selection to merge: let protobuf-es decide.
      return library(bytes);
    }
  }
  return message;
}

/**
 * The selection these bytes encode, shared by every request with the same
 * bytes. A second occurrence of the field must be merged into the first
 * (protobuf's rule): that rare request goes to `fromBinary` as a whole.
 */
function selectionAt(buf: Buffer, s: number, e: number): FeatureSelection {
  if (e - s > MAX_CACHED_SELECTION_BYTES) return fromBinary(FeatureSelectionSchema, plain(buf, s, e));
  // The selections seen last, compared byte for byte: a 250-feature selection is 3 KB, and making
  // it a string to look it up in the map cost more than decoding the rest of the request.
  for (const recent of recentSelections) {
    if (recent.bytes.length === e - s && buf.compare(recent.bytes, 0, recent.bytes.length, s, e) === 0)
      return recent.selection;
  }
  const id = buf.toString("latin1", s, e);
  let selection = selections.get(id);
  if (!selection) {
    selection = fromBinary(FeatureSelectionSchema, plain(buf, s, e));
    if (selections.size >= MAX_CACHED_SELECTIONS) selections.clear();
    selections.set(id, selection);
  }
  recentSelections.unshift({ bytes: Buffer.from(id, "latin1"), selection });
  if (recentSelections.length > RECENT_SELECTIONS) recentSelections.pop();
  return selection;
}
