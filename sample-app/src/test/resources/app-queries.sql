-- A sample of an application's SQL, as `./shardline explain --file app-queries.sql` checks it.
SELECT id, status FROM orders WHERE tenant_id = ? AND id = ?;
INSERT INTO orders (tenant_id, id, sku, quantity, amount_cents) VALUES (?, ?, ?, ?, ?);
UPDATE orders SET status = 'paid' WHERE tenant_id = ? AND id = ?;
SELECT name, price_cents FROM products WHERE sku = ?;
UPDATE orders SET status = 'archived' WHERE created_at < now() - interval '1 year';
COPY orders FROM STDIN;
