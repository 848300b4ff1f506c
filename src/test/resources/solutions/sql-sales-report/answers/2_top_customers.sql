SELECT c.name, SUM(i.quantity * p.unit_price) AS total
FROM customers c
JOIN orders o ON o.customer_id = c.id
JOIN order_items i ON i.order_id = o.id
JOIN products p ON p.id = i.product_id
GROUP BY c.id, c.name
ORDER BY total DESC
LIMIT 3;
