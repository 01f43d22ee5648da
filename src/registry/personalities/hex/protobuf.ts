/**
 * The Hex registry v2 messages (hex_core's proto/*.proto: signed, names,
 * versions, package), encoded with protobufjs.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package hex;
message Signed { required bytes payload = 1; optional bytes signature = 2; }
message Timestamp { required int64 seconds = 1; required int32 nanos = 2; }
message NamesPackage { required string name = 1; optional Timestamp updated_at = 2; }
message Names { repeated NamesPackage packages = 1; required string repository = 2; }
message VersionsPackage { required string name = 1; repeated string versions = 2; repeated int32 retired = 3 [packed=true]; }
message Versions { repeated VersionsPackage packages = 1; required string repository = 2; }
message Dependency { required string package = 1; required string requirement = 2; optional bool optional = 3; optional string app = 4; optional string repository = 5; }
message Release { required string version = 1; required bytes inner_checksum = 2; repeated Dependency dependencies = 3; optional bytes outer_checksum = 5; }
message Package { repeated Release releases = 1; required string name = 2; required string repository = 3; }
`;

const root = protobuf.parse(PROTO).root;
const type = (name: string) => root.lookupType(`hex.${name}`);

export interface HexDependency {
  package: string;
  requirement: string;
  optional?: boolean;
  app?: string;
  repository?: string;
}
export interface HexRelease {
  version: string;
  innerChecksum: Buffer;
  /** Empty when unknown (an upstream release listed without one): not encoded then. */
  outerChecksum: Buffer;
  dependencies: HexDependency[];
}

function encode(name: string, value: Record<string, unknown>): Uint8Array {
  const t = type(name);
  const problem = t.verify(value);
  if (problem) throw new Error(`hex ${name}: ${problem}`);
  return t.encode(t.fromObject(value)).finish();
}

export const encodeNames = (
  repository: string,
  packages: { name: string; updatedAt: Date }[],
): Uint8Array =>
  encode('Names', {
    repository,
    packages: packages.map((p) => ({
      name: p.name,
      updatedAt: { seconds: Math.floor(p.updatedAt.getTime() / 1000), nanos: 0 },
    })),
  });

export const encodeVersions = (
  repository: string,
  packages: { name: string; versions: string[] }[],
): Uint8Array =>
  encode('Versions', {
    repository,
    packages: packages.map((p) => ({ name: p.name, versions: p.versions, retired: [] })),
  });

export const encodePackage = (
  repository: string,
  name: string,
  releases: HexRelease[],
): Uint8Array =>
  encode('Package', {
    repository,
    name,
    releases: releases.map((r) => ({
      version: r.version,
      innerChecksum: r.innerChecksum,
      ...(r.outerChecksum.length > 0 ? { outerChecksum: r.outerChecksum } : {}),
      dependencies: r.dependencies,
    })),
  });

export const encodeSigned = (payload: Uint8Array, signature: Uint8Array): Uint8Array =>
  encode('Signed', { payload, signature });

/** decodeSigned / decodeMessage: for tests and tools. */
export function decodeSigned(bytes: Uint8Array): { payload: Buffer; signature: Buffer } {
  const o = type('Signed').toObject(type('Signed').decode(bytes), { bytes: Buffer }) as {
    payload: Buffer;
    signature: Buffer;
  };
  return o;
}
export function decodeMessage(
  name: 'Names' | 'Versions' | 'Package',
  bytes: Uint8Array,
): Record<string, unknown> {
  return type(name).toObject(type(name).decode(bytes), {
    bytes: Buffer,
    longs: Number,
    defaults: true,
  }) as Record<string, unknown>;
}
