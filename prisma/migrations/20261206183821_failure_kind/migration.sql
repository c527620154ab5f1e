-- CreateEnum
CREATE TYPE "FailureKind" AS ENUM ('unreachable', 'hostKeyChanged', 'commandFailed', 'commandTimedOut', 'removalFailed', 'providerRejected', 'providerUnavailable', 'notFound', 'conflict', 'alreadyExists', 'invalid', 'stopped', 'unavailable', 'internal', 'noManagerRunning');

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "failureKind" "FailureKind";

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "failureKind" "FailureKind";

-- Rows already in `error` get their kind from the reason the worker wrote until now, worded as
-- the worker worded it (once, here: from now on the kind is written with the reason).
UPDATE "Node" SET "failureKind" = CASE
    WHEN "statusReason" LIKE 'removal failed%' THEN 'removalFailed'
    WHEN "statusReason" LIKE 'host key changed%' THEN 'hostKeyChanged'
    WHEN "statusReason" ~ '(did not answer SSH after [0-9]+ attempts|connection to \S+ (closed|lost|is closed)|channel closed without exit status|\m(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)\M|Timed out while waiting for handshake)' THEN 'unreachable'
    ELSE 'internal'
  END::"FailureKind"
  WHERE "status" = 'error';

UPDATE "Cluster" SET "failureKind" = CASE
    WHEN "statusReason" LIKE 'no manager is running%' THEN 'noManagerRunning'
    WHEN "statusReason" LIKE 'deletion could not clean%' THEN 'removalFailed'
    ELSE 'internal'
  END::"FailureKind"
  WHERE "status" = 'error';
