package dev.shardline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Each file under {@code bad/} declares the message it must fail with in its first line. */
class BadYamlCorpusTest {
    private static Path corpus() throws URISyntaxException {
        return Path.of(BadYamlCorpusTest.class.getResource("/bad").toURI());
    }

    @Test
    void corpus_hasAtLeast25Files() throws Exception {
        try (Stream<Path> files = Files.list(corpus())) {
            assertThat(files.count()).isGreaterThanOrEqualTo(25);
        }
    }

    @TestFactory
    Stream<DynamicTest> fromYaml_brokenFile_failsNamingFileAndRule() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(corpus())) {
            files = s.sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        String first = Files.readAllLines(file).get(0);
        assertThat(first).as("first line of %s", file).startsWith("# expect: ");
        String expected = first.substring("# expect: ".length());
        assertThatThrownBy(() -> ShardlineConfig.from(ShardlineYaml.load(file, k -> null)))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(expected);
    }
}
