SELECT user_id, ts,
  sum(amount)   OVER w1h  AS s1h,
  count(amount) OVER w1h  AS c1h,
  avg(amount)   OVER w1d  AS a1d,
  max(amount)   OVER w1d  AS m1d,
  count(amount) OVER w30d AS c30d,
  sum(amount)   OVER w10r AS s10r
FROM events
WINDOW w1h  AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 1h  PRECEDING AND CURRENT ROW),
       w1d  AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 1d  PRECEDING AND CURRENT ROW),
       w30d AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 30d PRECEDING AND CURRENT ROW),
       w10r AS (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW);
