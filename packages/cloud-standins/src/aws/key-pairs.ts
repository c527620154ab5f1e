// ImportKeyPair and DescribeKeyPairs: regional key pairs, named and fingerprinted.
import { fingerprintOf } from '../fingerprint.ts';
import { filters, list, wildcard } from './query.ts';
import { type AwsState, type Ec2Action, Ec2Error, hex } from './state.ts';

export function keyPairActions(state: AwsState): Record<string, Ec2Action> {
  const { keyPairs } = state;
  return {
    async ImportKeyPair(params, region) {
      const keyName = params.get('KeyName') ?? '';
      const material = Buffer.from(params.get('PublicKeyMaterial') ?? '', 'base64').toString(
        'utf8',
      );
      if (!keyName)
        throw new Ec2Error(
          400,
          'MissingParameter',
          'The request must contain the parameter KeyName',
        );
      const keyFingerprint = fingerprintOf(material);
      if (!keyFingerprint)
        throw new Ec2Error(
          400,
          'InvalidKey.Format',
          'Key is not in valid OpenSSH public key format',
        );
      if (keyPairs.some((k) => k.region === region && k.keyName === keyName)) {
        throw new Ec2Error(400, 'InvalidKeyPair.Duplicate', `The keypair already exists`);
      }
      const pair = {
        region,
        keyPairId: `key-${hex(17)}`,
        keyName,
        keyFingerprint,
        publicKey: material.trim(),
      };
      keyPairs.push(pair);
      return { keyFingerprint, keyName, keyPairId: pair.keyPairId };
    },

    async DescribeKeyPairs(params, region) {
      const names = list(params, 'KeyName');
      const inRegion = keyPairs.filter((k) => k.region === region);
      for (const name of names) {
        if (!inRegion.some((k) => k.keyName === name)) {
          throw new Ec2Error(
            400,
            'InvalidKeyPair.NotFound',
            `The key pair '${name}' does not exist`,
          );
        }
      }
      const found = inRegion.filter(
        (k) =>
          (names.length === 0 || names.includes(k.keyName)) &&
          filters(params).every(
            (filter) =>
              filter.name === 'key-name' && filter.values.some((p) => wildcard(p, k.keyName)),
          ),
      );
      return {
        keySet: found.map((k) => ({
          keyPairId: k.keyPairId,
          keyName: k.keyName,
          keyFingerprint: k.keyFingerprint,
          keyType: 'ed25519',
        })),
      };
    },
  };
}
