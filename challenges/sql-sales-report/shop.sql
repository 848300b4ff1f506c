CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, unit_price REAL NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), ordered_at TEXT NOT NULL);
CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL);

INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus'), (4, 'Barbara'), (5, 'Ken');
INSERT INTO products VALUES (1, 'Keyboard', 40.0), (2, 'Mouse', 15.0), (3, 'Monitor', 180.0), (4, 'Cable', 5.0), (5, 'Webcam', 60.0);
INSERT INTO orders VALUES (1, 1, '2026-01-05'), (2, 2, '2026-01-20'), (3, 1, '2026-02-02'), (4, 3, '2026-02-14'), (5, 4, '2026-03-01'), (6, 2, '2026-03-09');
INSERT INTO order_items VALUES (1, 1, 1), (1, 2, 2), (2, 3, 1), (3, 4, 3), (4, 2, 1), (4, 1, 1), (5, 3, 2), (6, 2, 4);
