CREATE TABLE fw_items (tenant_id text NOT NULL, id bigint NOT NULL, label varchar(50), PRIMARY KEY (tenant_id, id));
