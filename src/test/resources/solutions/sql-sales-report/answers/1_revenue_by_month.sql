SELECT substr(o.ordered_at, 1, 7) AS month, SUM(i.quantity * p.unit_price) AS revenue
FROM orders o
JOIN order_items i ON i.order_id = o.id
JOIN products p ON p.id = i.product_id
GROUP BY month
ORDER BY month;
