package dev.shardline.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped logback configurations write one valid JSON object per line, whatever the message or stack trace holds. */
class JsonLogTest {
    @ParameterizedTest
    @ValueSource(strings = {"logback.xml", "dev/shardline/cdc/sidecar-logback.xml"})
    void encode_stackTraceWithQuotesAndNewlines_staysOneValidJsonLine(String config) throws Exception {
        Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder = encoderOf(config);
        Exception cause = new IllegalStateException("cause with \"quotes\",\ta tab and a\nnew line \\ backslash");
        RuntimeException thrown = new RuntimeException("shard-1 - \"bad\" statement:\nSELECT '}' FROM t", cause);
        LoggerContext ctx = new LoggerContext();
        Logger logger = ctx.getLogger("dev.shardline.app.OrdersService");
        LoggingEvent event = new LoggingEvent(
                "fqcn", logger, Level.WARN, "request {} failed: \"{}\"\nnext line", thrown, new Object[] {
                    "GET /tenants/a\"b/orders", "x}y"
                });
        event.setMDCPropertyMap(Map.of("requestId", "r-\"1\""));

        String out = new String(encoder.encode(event), StandardCharsets.UTF_8);

        assertThat(out).endsWith("\n");
        assertThat(out.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(out);
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("formattedMessage").asText())
                .isEqualTo("request GET /tenants/a\"b/orders failed: \"x}y\"\nnext line");
        assertThat(json.get("mdc").get("requestId").asText()).isEqualTo("r-\"1\"");
        assertThat(json.toString()).contains("SELECT '}' FROM t").contains("cause with \\\"quotes\\\"");
    }

    private static Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoderOf(String resource) throws Exception {
        URL url = JsonLogTest.class.getClassLoader().getResource(resource);
        assertThat(url).as(resource).isNotNull();
        LoggerContext ctx = new LoggerContext();
        JoranConfigurator jc = new JoranConfigurator();
        jc.setContext(ctx);
        jc.doConfigure(url);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> out =
                (OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>)
                        ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("OUT");
        return out.getEncoder();
    }
}
