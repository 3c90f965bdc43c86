/**
 * gRPC server reflection, so grpcurl and `buf curl` can list and call every
 * RPC with JSON. The descriptors come from the protobuf-es generated code (the
 * same ones the service adapter uses), so reflection can never drift from
 * what the server actually speaks.
 */
import type { DescFile } from "@bufbuild/protobuf";
import { toBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { healthFileDescriptor } from "./health-descriptor.js";

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

/**
 * A package definition for ReflectionService holding each file exactly as
 * protobuf-es describes it. ReflectionService only reads the serialized
 * `fileDescriptorProtos` of each entry; going through proto-loader's
 * `loadFileDescriptorSetFromBuffer` instead would merge files of one package
 * (value.proto, registry.proto, feature_service.proto) into one while keeping
 * the imports of the originals, and `buf curl` then fails to resolve them.
 */
export function reflectionPackage(
  roots: readonly DescFile[],
  extra: readonly FileDescriptorProto[] = [],
): PackageDefinition {
  const fileDescriptorProtos = [...filesWithDependencies(roots).map((f) => f.proto), ...extra].map((p) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, p)),
  );
  return {
    files: { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos },
  } as unknown as PackageDefinition;
}

/** Adds the reflection service (v1 and v1alpha) describing `roots` plus grpc.health.v1 to `server`. */
export function addReflection(server: Server, roots: readonly DescFile[]): void {
  new ReflectionService(reflectionPackage(roots, [healthFileDescriptor()])).addToServer(server);
}
