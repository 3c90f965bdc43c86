import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FeatureSelectionSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import { Code, FstoreError } from "../errors/index.js";
import { parseFeatureRef, readFeatureSelection, requireFeatureSelection } from "./feature-selection.js";

const message = (features: string[], featureServices: string[]) =>
  create(FeatureSelectionSchema, { features, featureServices });

function failure(f: () => unknown): { code: Code; message: string } | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof FstoreError) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe("readFeatureSelection", () => {
  it("reads references or services", () => {
    expect(readFeatureSelection(message(["a:x", "b:y"], []))).toEqual({
      kind: "features",
      refs: ["a:x", "b:y"],
    });
    expect(readFeatureSelection(message([], ["s1", "s2"]))).toEqual({
      kind: "services",
      names: ["s1", "s2"],
    });
  });

  it("reads an empty or absent selection as nothing selected", () => {
    expect(readFeatureSelection(undefined)).toBeUndefined();
    expect(readFeatureSelection(message([], []))).toBeUndefined();
  });

  it("refuses both lists and empty service names", () => {
    expect(failure(() => readFeatureSelection(message(["a:x"], ["s"])))).toEqual({
      code: Code.InvalidArgument,
      message:
        "selection sets both features and feature_services: give feature references or feature services, not both",
    });
    expect(failure(() => readFeatureSelection(message([], ["s", ""])))).toEqual({
      code: Code.InvalidArgument,
      message: "selection.feature_services holds an empty name",
    });
  });

  it("requires a selection where one is needed", () => {
    expect(failure(() => requireFeatureSelection(message([], [])))?.code).toBe(Code.InvalidArgument);
    expect(failure(() => requireFeatureSelection(undefined))?.message).toMatch(/^no features requested/);
    expect(requireFeatureSelection(message([], ["s"]))).toEqual({ kind: "services", names: ["s"] });
  });
});

describe("parseFeatureRef", () => {
  it("splits view:feature and rejects anything else", () => {
    expect(parseFeatureRef("v:f")).toEqual({ view: "v", feature: "f" });
    for (const bad of ["v", ":f", "v:", "a:b:c", "", ":"]) {
      expect(failure(() => parseFeatureRef(bad))).toEqual({
        code: Code.InvalidArgument,
        message: `malformed feature reference "${bad}": expected "view:feature"`,
      });
    }
  });
});
