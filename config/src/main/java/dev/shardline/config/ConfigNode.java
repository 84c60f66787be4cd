package dev.shardline.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * One value of a YAML document that knows where it came from; every error it raises names the
 * file, line, column and key path of the offending value.
 *
 * <p>A key that is absent yields a <em>missing</em> node rather than {@code null}, so optional
 * settings read as {@code node.get("pool").get("maxSize").intOr(10, 1, 1000)}.
 */
public final class ConfigNode {
    private final String source;
    private final String path;
    private final Node node;
    private final ConfigNode parent;
    private final UnaryOperator<String> env;

    ConfigNode(String source, String path, Node node, ConfigNode parent, UnaryOperator<String> env) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.parent = parent;
        this.env = env;
    }

    /** Returns the key path of this value, such as {@code shards[1].pool.maxSize}. */
    public String path() {
        return path.isEmpty() ? "<root>" : path;
    }

    /** Returns {@code file:line:column} of this value, or of its closest present parent. */
    public String location() {
        ConfigNode n = this;
        while (n.node == null && n.parent != null) n = n.parent;
        if (n.node == null) return source;
        var mark = n.node.getStartMark();
        return source + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
    }

    /** Returns an exception whose message starts with this value's location and key path. */
    public ShardlineConfigException error(String message) {
        return new ShardlineConfigException(location() + " " + path() + " - " + message);
    }

    public boolean isMissing() {
        return node == null
                || (node instanceof ScalarNode s && s.getTag().getValue().endsWith(":null"));
    }

    public boolean isMap() {
        return node instanceof MappingNode;
    }

    public boolean isList() {
        return node instanceof SequenceNode;
    }

    /** Returns the child at {@code key}; a missing node if absent. Fails if this value is not a mapping. */
    public ConfigNode get(String key) {
        if (isMissing()) return new ConfigNode(source, childPath(key), null, this, env);
        ConfigNode child = entries().get(key);
        return child != null ? child : new ConfigNode(source, childPath(key), null, this, env);
    }

    /** Returns the entries of a mapping in file order; empty when missing. Duplicate keys are an error. */
    public Map<String, ConfigNode> entries() {
        if (isMissing()) return Map.of();
        if (!(node instanceof MappingNode map)) {
            throw error("expected a mapping of keys to values, found " + describe());
        }
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new ConfigNode(source, path, t.getKeyNode(), this, env).error("keys must be plain words");
            }
            ConfigNode child = new ConfigNode(source, childPath(k.getValue()), t.getValueNode(), this, env);
            if (out.putIfAbsent(k.getValue(), child) != null) {
                throw new ConfigNode(source, childPath(k.getValue()), t.getKeyNode(), this, env)
                        .error("duplicate key '" + k.getValue() + "'; each key may appear once");
            }
        }
        return out;
    }

    /** Returns the elements of a sequence; empty when missing. */
    public List<ConfigNode> list() {
        if (isMissing()) return List.of();
        if (!(node instanceof SequenceNode seq)) {
            throw error("expected a list, found " + describe());
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            out.add(new ConfigNode(source, path + "[" + i + "]", seq.getValue().get(i), this, env));
        }
        return out;
    }

    /** Rejects keys of this mapping outside {@code allowed}, listing the allowed ones. */
    public ConfigNode allowOnly(String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Map.Entry<String, ConfigNode> e : entries().entrySet()) {
            if (!ok.contains(e.getKey())) {
                throw e.getValue()
                        .error("unknown key '" + e.getKey() + "'; expected one of "
                                + new TreeSet<>(Arrays.asList(allowed)));
            }
        }
        return this;
    }

    /** Returns the scalar text with {@code ${ENV}} placeholders expanded. Fails if missing. */
    public String string() {
        if (isMissing()) throw error("is required but missing");
        if (!(node instanceof ScalarNode s)) throw error("expected a single value, found " + describe());
        try {
            return Placeholders.expand(s.getValue(), env);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    public String stringOr(String fallback) {
        return isMissing() ? fallback : string();
    }

    /** Returns a whole number within {@code [min, max]}. */
    public int intValue(int min, int max) {
        String text = string();
        int v;
        try {
            v = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw error("expected a whole number, was '" + text + "'");
        }
        if (v < min || v > max) throw error("must be between " + min + " and " + max + ", was " + v);
        return v;
    }

    public int intOr(int fallback, int min, int max) {
        return isMissing() ? fallback : intValue(min, max);
    }

    public boolean bool() {
        String text = string().trim();
        if (text.equals("true")) return true;
        if (text.equals("false")) return false;
        throw error("expected true or false, was '" + text + "'");
    }

    public boolean boolOr(boolean fallback) {
        return isMissing() ? fallback : bool();
    }

    public Duration duration() {
        try {
            return Durations.parse(string());
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    public Duration durationOr(Duration fallback) {
        return isMissing() ? fallback : duration();
    }

    /** Returns the value as one of {@code choices} (case-insensitive), naming them on error. */
    public <E extends Enum<E>> E enumValue(Class<E> type) {
        String text = string().trim();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) return e;
        }
        throw error(
                "expected one of " + Arrays.toString(type.getEnumConstants()).toLowerCase() + ", was '" + text + "'");
    }

    public <E extends Enum<E>> E enumOr(E fallback) {
        return isMissing() ? fallback : enumValue(fallback.getDeclaringClass());
    }

    /** Returns either a single value or a list of values as a list of strings. */
    public List<String> strings() {
        if (isMissing()) return List.of();
        if (isList()) return list().stream().map(ConfigNode::string).toList();
        return List.of(string());
    }

    /**
     * Runs {@code build} and re-throws any {@link ShardlineConfigException} it raises with this
     * value's location, so builder rules surface with file and line.
     */
    public <T> T guard(Supplier<T> build) {
        try {
            return build.get();
        } catch (ShardlineConfigException e) {
            throw error(e.getMessage());
        }
    }

    /** Maps each entry of a mapping through {@code f}, keeping file order. */
    public <T> Map<String, T> mapValues(Function<ConfigNode, T> f) {
        Map<String, T> out = new LinkedHashMap<>();
        entries().forEach((k, v) -> out.put(k, f.apply(v)));
        return out;
    }

    private String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String describe() {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        return "'" + ((ScalarNode) node).getValue() + "'";
    }
}
