import { DescribeKeyPairsCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2';
import { type Ec2, sdkCode, toProviderError } from './ec2.ts';

/** Imports the public key as a key pair of the region unless one of that name exists. */
export async function ensureKeyPair(
  ec2: Ec2,
  name: string,
  publicKey: string,
  region: string,
): Promise<string> {
  const existing = await ec2.send(() =>
    ec2
      .client(region)
      .send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [name] }] })),
  );
  if (existing.KeyPairs?.length) return name;
  try {
    await ec2.client(region).send(
      new ImportKeyPairCommand({
        KeyName: name,
        PublicKeyMaterial: Buffer.from(publicKey.trim()),
      }),
    );
  } catch (error) {
    // A concurrent job of the same cluster imported it first.
    if (sdkCode(error) !== 'InvalidKeyPair.Duplicate') throw toProviderError(error);
  }
  return name;
}
