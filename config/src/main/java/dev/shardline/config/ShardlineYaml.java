package dev.shardline.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A parsed {@code shardline.yaml}: the single file every Shardline module reads its own section
 * from. Syntax errors and unknown top-level sections fail here, naming file and line.
 */
public final class ShardlineYaml {
    /** Top-level sections; each module validates the keys inside its own. */
    public static final Set<String> SECTIONS = Set.of(
            "defaults",
            "shards",
            "tables",
            "buckets",
            "pins",
            "routing",
            "cache",
            "cdc",
            "migrations",
            "analytics",
            "app");

    private final String source;
    private final ConfigNode root;

    private ShardlineYaml(String source, ConfigNode root) {
        this.source = source;
        this.root = root;
    }

    /**
     * Reads and parses the file at {@code path}, expanding placeholders from the process environment.
     *
     * @throws ShardlineConfigException if the file is missing, unreadable or not valid YAML
     */
    public static ShardlineYaml load(Path path) {
        return load(path, System::getenv);
    }

    /** As {@link #load(Path)}, with placeholders resolved through {@code env}. */
    public static ShardlineYaml load(Path path, UnaryOperator<String> env) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ShardlineConfigException(path + " - file not found (absolute: " + path.toAbsolutePath()
                    + "); pass the path of your shardline.yaml");
        } catch (IOException e) {
            throw new ShardlineConfigException(path + " - cannot be read: " + e.getMessage(), e);
        }
        return parse(text, path.toString(), env);
    }

    /** Parses {@code text} as if read from a file called {@code sourceName}. */
    public static ShardlineYaml parse(String text, String sourceName, UnaryOperator<String> env) {
        Node node;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            node = new Yaml(options).compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            throw new ShardlineConfigException(
                    sourceName + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1) + " - not valid YAML: "
                            + e.getProblem() + "; check indentation and quoting near this line",
                    e);
        } catch (YAMLException e) {
            throw new ShardlineConfigException(sourceName + " - not valid YAML: " + e.getMessage(), e);
        }
        if (node == null) {
            throw new ShardlineConfigException(sourceName + " - file is empty; it needs at least a 'shards:' section");
        }
        ConfigNode root = new ConfigNode(sourceName, "", node, null, env);
        if (!(node instanceof MappingNode)) {
            throw root.error("the top level must be a mapping of sections such as 'shards:' and 'tables:'");
        }
        root.allowOnly(new TreeSet<>(SECTIONS).toArray(String[]::new));
        return new ShardlineYaml(sourceName, root);
    }

    /** Returns the name of the file this document was read from. */
    public String source() {
        return source;
    }

    /** Returns the whole document. */
    public ConfigNode root() {
        return root;
    }

    /** Returns the named top-level section; a missing node if the file does not have it. */
    public ConfigNode section(String name) {
        if (!SECTIONS.contains(name)) {
            throw new IllegalArgumentException("unknown section '" + name + "'; known: " + new TreeSet<>(SECTIONS));
        }
        return root.get(name);
    }
}
