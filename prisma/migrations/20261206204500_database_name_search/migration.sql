-- CreateIndex
CREATE INDEX "ManagedDatabase_name_trgm_idx" ON "ManagedDatabase" USING GIN ("name" gin_trgm_ops);
