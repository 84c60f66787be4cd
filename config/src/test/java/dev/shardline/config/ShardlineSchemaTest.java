package dev.shardline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code docs/shardline.schema.json} accepts every shardline.yaml in the repository (files and the
 * README's examples) and rejects every file of the bad-input corpus a schema can judge. The rest of
 * the corpus breaks rules across keys or needs the environment; only the loader can catch those,
 * and this test keeps that list honest by requiring the schema to accept them.
 */
class ShardlineSchemaTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCHEMA = REPO.resolve("docs/shardline.schema.json");
    /** Not YAML a schema can see: the YAML parser itself rejects them (so does an IDE). */
    static final Set<String> PARSER_ONLY = Set.of("02-syntax.yaml", "28-dup-key.yaml");
    /** Valid shapes that break a rule across keys or on the environment: Shardline rejects them at load. */
    static final Set<String> SEMANTIC_ONLY = Set.of(
            "09-dup-name.yaml",
            "11-dup-url.yaml",
            "16-pool-minidle.yaml",
            "18-timeout-small.yaml",
            "19-env-missing.yaml",
            "20-pin-unknown.yaml",
            "21-bucket-gap.yaml",
            "22-bucket-overlap.yaml",
            "24-bucket-out.yaml",
            "26-table-both.yaml",
            "30-bucket-unknown-shard.yaml",
            "31-pool-lifetime.yaml");
    /** Top-level keys of the other YAML formats in the repository (Liquibase changelogs, Redisson configs). */
    private static final Set<String> OTHER_FORMATS =
            Set.of("databaseChangeLog", "singleServerConfig", "clusterServersConfig", "sentinelServersConfig");

    private static final ObjectMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());
    private static Schema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.readString(SCHEMA));
    }

    private static List<String> errors(String yaml) throws IOException {
        JsonNode doc = YAML.readTree(yaml);
        return schema.validate(doc == null || doc.isMissingNode() ? NullNode.getInstance() : doc).stream()
                .map(Error::toString)
                .toList();
    }

    @Test
    void schema_sections_matchTheLoader() throws IOException {
        JsonNode props = new ObjectMapper().readTree(SCHEMA.toFile()).get("properties");
        Set<String> names = new TreeSet<>();
        props.fieldNames().forEachRemaining(names::add);
        assertThat(names).isEqualTo(new TreeSet<>(ShardlineYaml.SECTIONS));
    }

    @TestFactory
    Stream<DynamicTest> validate_everyShardlineYamlInTheRepo_passes() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.walk(REPO)) {
            for (Path f : files.filter(ShardlineSchemaTest::isRepoYaml).sorted().toList()) {
                String text = Files.readString(f);
                JsonNode doc = YAML.readTree(text);
                if (doc != null && doc.isObject() && OTHER_FORMATS.stream().anyMatch(doc::has)) continue;
                tests.add(DynamicTest.dynamicTest(
                        REPO.relativize(f).toString(),
                        () -> assertThat(errors(text)).isEmpty()));
            }
        }
        Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(REPO.resolve("README.md")));
        for (int i = 1; m.find(); i++) {
            String block = m.group(1);
            tests.add(DynamicTest.dynamicTest(
                    "README.md yaml block " + i, () -> assertThat(errors(block)).isEmpty()));
        }
        assertThat(tests).as("shardline.yaml examples found").hasSizeGreaterThanOrEqualTo(2);
        return tests.stream();
    }

    @Test
    void validate_exampleWithSchemaLine_pointsAtTheSchema() throws IOException {
        Path example = REPO.resolve("docs/examples/shardline.yaml");
        String first = Files.readAllLines(example).get(0);
        assertThat(first).startsWith("# yaml-language-server: $schema=");
        String target = first.substring(first.indexOf('=') + 1).trim();
        assertThat(example.getParent().resolve(target).normalize()).isEqualTo(SCHEMA);
    }

    @TestFactory
    Stream<DynamicTest> validate_badCorpus_schemaRejectsWhatItCanJudge() throws IOException {
        Path dir = REPO.resolve("config/src/test/resources/bad");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        return files.stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                    String name = f.getFileName().toString();
                    String text = Files.readString(f);
                    if (PARSER_ONLY.contains(name)) {
                        assertThatThrownBy(() -> YAML.readTree(text)).isInstanceOf(IOException.class);
                    } else if (SEMANTIC_ONLY.contains(name)) {
                        assertThat(errors(text))
                                .as("%s is listed as semantic-only, so the schema must accept it", name)
                                .isEmpty();
                    } else {
                        assertThat(errors(text))
                                .as("schema errors for %s", name)
                                .isNotEmpty();
                    }
                }));
    }

    @Test
    void validate_placeholdersForNumbersAndDurations_pass() throws IOException {
        String yaml =
                "shards:\n  - name: s0\n    primary: ${DB0_URL}\n    pool: { maxSize: '${POOL:-10}', connectionTimeout: '${CT}' }\n";
        assertThat(errors(yaml)).isEmpty();
        assertThat(errors(yaml.replace("${CT}", "2 seconds"))).isNotEmpty();
    }

    private static boolean isRepoYaml(Path p) {
        String s = REPO.relativize(p).toString();
        return (s.endsWith(".yaml") || s.endsWith(".yml"))
                && !s.contains("/target/")
                && !s.startsWith(".git")
                && !s.startsWith("config/src/test/resources/bad/")
                && !s.contains("node_modules");
    }
}
