package dev.shardline.app;

import dev.shardline.cdc.CdcPipeline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A tenant's order summary from the DuckDB analytics store that the CDC pipeline feeds. */
public final class DuckDbSummary implements AnalyticsView {
    private final CdcPipeline cdc;

    public DuckDbSummary(CdcPipeline cdc) {
        this.cdc = cdc;
    }

    @Override
    public Map<String, Object> summary(String tenant) {
        try (Connection c = cdc.openDuckDbReader();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*), coalesce(sum(amount_cents), 0), coalesce(sum(quantity), 0) FROM orders WHERE tenant_id = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("tenant", tenant);
                out.put("orders", rs.getLong(1));
                out.put("revenueCents", rs.getLong(2));
                out.put("items", rs.getLong(3));
                out.put("source", "analytics store (DuckDB, fed by CDC)");
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "analytics store - cannot read the summary of tenant " + tenant + ": " + e.getMessage(), e);
        }
    }

    /** Returns the number of orders in the analytics store. */
    public long totalOrders() {
        try (Connection c = cdc.openDuckDbReader();
                var s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("analytics store - cannot count orders: " + e.getMessage(), e);
        }
    }
}
