/**
 * The descriptor of grpc/health/v1/health.proto, for server reflection.
 * Written out here because the one proto-loader builds from the
 * grpc-health-check package uses relative type names ("HealthCheckResponse"),
 * which strict clients such as `buf curl` reject.
 */
import { fromJson } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

const pkg = ".grpc.health.v1";
const optionalString = (name: string, number: number) => ({
  name,
  number,
  label: "LABEL_OPTIONAL",
  type: "TYPE_STRING",
  jsonName: name,
});

/** grpc.health.v1 as served by grpc-health-check: Check, Watch and List. */
export function healthFileDescriptor(): FileDescriptorProto {
  return fromJson(FileDescriptorProtoSchema, {
    name: "grpc/health/v1/health.proto",
    package: "grpc.health.v1",
    syntax: "proto3",
    messageType: [
      { name: "HealthCheckRequest", field: [optionalString("service", 1)] },
      {
        name: "HealthCheckResponse",
        field: [
          {
            name: "status",
            number: 1,
            label: "LABEL_OPTIONAL",
            type: "TYPE_ENUM",
            typeName: `${pkg}.HealthCheckResponse.ServingStatus`,
            jsonName: "status",
          },
        ],
        enumType: [
          {
            name: "ServingStatus",
            value: [
              { name: "UNKNOWN", number: 0 },
              { name: "SERVING", number: 1 },
              { name: "NOT_SERVING", number: 2 },
              { name: "SERVICE_UNKNOWN", number: 3 },
            ],
          },
        ],
      },
      { name: "HealthListRequest" },
      {
        name: "HealthListResponse",
        field: [
          {
            name: "statuses",
            number: 1,
            label: "LABEL_REPEATED",
            type: "TYPE_MESSAGE",
            typeName: `${pkg}.HealthListResponse.StatusesEntry`,
            jsonName: "statuses",
          },
        ],
        nestedType: [
          {
            name: "StatusesEntry",
            field: [
              optionalString("key", 1),
              {
                name: "value",
                number: 2,
                label: "LABEL_OPTIONAL",
                type: "TYPE_MESSAGE",
                typeName: `${pkg}.HealthCheckResponse`,
                jsonName: "value",
              },
            ],
            options: { mapEntry: true },
          },
        ],
      },
    ],
    service: [
      {
        name: "Health",
        method: [
          { name: "Check", inputType: `${pkg}.HealthCheckRequest`, outputType: `${pkg}.HealthCheckResponse` },
          {
            name: "Watch",
            inputType: `${pkg}.HealthCheckRequest`,
            outputType: `${pkg}.HealthCheckResponse`,
            serverStreaming: true,
          },
          { name: "List", inputType: `${pkg}.HealthListRequest`, outputType: `${pkg}.HealthListResponse` },
        ],
      },
    ],
  });
}
