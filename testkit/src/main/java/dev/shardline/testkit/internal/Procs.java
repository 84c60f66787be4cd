package dev.shardline.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short external commands with a time limit, returning their output or failing with it. */
public final class Procs {
    private Procs() {}

    public static String run(List<String> cmd, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd.get(0), e);
        }
    }

    /** SIGKILLs {@code pid} and, first, every process whose parent it is. */
    public static void killTree(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            List<ProcessHandle> all = new java.util.ArrayList<>(h.descendants().toList());
            all.add(h);
            all.forEach(ProcessHandle::destroyForcibly);
            // A restart must not find orphaned backends still attached to the shared memory segment.
            for (ProcessHandle p : all) {
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // reported by the next start if the process really lingers
                }
            }
        });
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
