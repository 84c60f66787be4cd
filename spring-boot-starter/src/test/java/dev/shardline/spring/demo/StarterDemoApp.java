package dev.shardline.spring.demo;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** A small Boot application on the starter: plain JdbcTemplate SQL without tenant keys, a cached lookup. */
@SpringBootApplication
@EnableCaching
public class StarterDemoApp {
    /** An order as the API returns it, with the port of the server that answered (to check routing). */
    public record Order(String tenant, long id, String status, int servedByPort) {}

    @Service
    public static class Orders {
        private final JdbcTemplate jdbc;
        private final AtomicInteger loads = new AtomicInteger();

        public Orders(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        public int loads() {
            return loads.get();
        }

        /** The tenant comes from the context the starter's filter set; the SQL does not name it. */
        @Cacheable(cacheNames = "order", key = "#id", sync = true)
        public Order find(long id) {
            loads.incrementAndGet();
            List<Order> found = jdbc.query(
                    "SELECT tenant_id, id, status, inet_server_port() AS port FROM orders WHERE id = ?",
                    (rs, i) -> new Order(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4)),
                    id);
            return found.isEmpty() ? null : found.get(0);
        }
    }

    @RestController
    public static class OrdersApi {
        private final Orders orders;

        public OrdersApi(Orders orders) {
            this.orders = orders;
        }

        @GetMapping({"/tenants/{tenant}/orders/{id}", "/orders/{id}"})
        public ResponseEntity<Order> get(@PathVariable long id) {
            Order o = orders.find(id);
            return o == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(o);
        }
    }
}
