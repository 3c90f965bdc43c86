/**
 * gRPC server reflection, so grpcurl and `buf curl` can list and call every
 * RPC with JSON. The descriptors come from the protobuf-es generated code (the
 * same ones the service adapter uses), so reflection can never drift from
 * what the server actually speaks.
 */
import type { DescFile } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { protoPath as healthProtoPath } from "grpc-health-check";

/** Every file `roots` need, dependencies first (the order a FileDescriptorSet wants). */
export function filesWithDependencies(roots: readonly DescFile[]): DescFile[] {
  const out: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const dep of file.dependencies) visit(dep);
    out.push(file);
  };
  for (const f of roots) visit(f);
  return out;
}

/** A serialized `google.protobuf.FileDescriptorSet` holding `roots` and everything they import. */
export function fileDescriptorSetBytes(roots: readonly DescFile[]): Uint8Array {
  const set = create(FileDescriptorSetSchema, { file: filesWithDependencies(roots).map((f) => f.proto) });
  return toBinary(FileDescriptorSetSchema, set);
}

/** Adds the reflection service (v1 and v1alpha) describing `roots` plus grpc.health.v1 to `server`. */
export function addReflection(server: Server, roots: readonly DescFile[]): void {
  const fstore = loadFileDescriptorSetFromBuffer(Buffer.from(fileDescriptorSetBytes(roots)));
  const health: PackageDefinition = loadSync(healthProtoPath);
  new ReflectionService({ ...health, ...fstore }).addToServer(server);
}
