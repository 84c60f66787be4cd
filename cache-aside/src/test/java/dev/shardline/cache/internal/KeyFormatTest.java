package dev.shardline.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class KeyFormatTest {
    /** The rule as it was first written down: what {@link KeyFormat#plain} must keep deciding. */
    private static final Pattern RULE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    @Test
    void plain_agreesWithTheRule_onEdgesAndRandomStrings() {
        String[] edges = {
            "",
            "a",
            "Z",
            "0",
            "_",
            ".",
            "-",
            "a".repeat(64),
            "a".repeat(65),
            "tenant-1",
            "acme corp",
            "a:b",
            "{t}",
            "*",
            "é",
            "a\u0000",
            "ÿ",
            "a/b",
            "`",
            "@",
            "[",
            "{",
            "~",
            "/",
            ":",
            "\n"
        };
        for (String s : edges)
            assertThat(KeyFormat.plain(s))
                    .as("'%s'", s)
                    .isEqualTo(RULE.matcher(s).matches());
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = rnd.nextInt(70);
            for (int j = 0; j < n; j++) b.append((char) rnd.nextInt(0x20, 0x80));
            String s = b.toString();
            assertThat(KeyFormat.plain(s))
                    .as("'%s'", s)
                    .isEqualTo(RULE.matcher(s).matches());
        }
    }

    @Test
    void part_oddOrDigestLikeParts_areHashed() {
        assertThat(KeyFormat.part("tenant-1")).isEqualTo("tenant-1");
        assertThat(KeyFormat.part("acme corp")).startsWith("h-").hasSize(34);
        assertThat(KeyFormat.part("h-abc")).startsWith("h-").isNotEqualTo("h-abc");
    }
}
