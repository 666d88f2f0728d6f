package com.repricer.delivery;

import com.repricer.fixtures.RepositoryFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The delivery files of this checkout (Dockerfile, pipeline, scripts, README), read the way their tools read them. */
public final class RepoFiles {

    /** How the Dockerfile and scripts/jlink-smoke both turn service/jlink-modules.txt into jlink's --add-modules. */
    static final String MODULE_LIST_EXPRESSION = "$(sed 's/#.*//' service/jlink-modules.txt | xargs | tr ' ' ,)";

    private RepoFiles() {
    }

    /** The modules of service/jlink-modules.txt: one a line, '#' starts a comment. */
    static List<String> jlinkModules() {
        List<String> modules = new ArrayList<>();
        for (String line : RepositoryFiles.read("service/jlink-modules.txt").split("\n")) {
            String module = line.replaceFirst("#.*", "").strip();
            if (!module.isEmpty()) {
                modules.add(module);
            }
        }
        return modules;
    }

    /**
     * The README's test command: the last {@code &&}-separated part of the first line of the code block that follows
     * the "Run all tests" line (the block sets JAVA_HOME first).
     */
    static String readmeTestCommand() {
        Matcher m = Pattern.compile("(?m)^Run all tests.*\\R+```[a-z]*\\R(.+)\\R").matcher(RepositoryFiles.read("README.md"));
        if (!m.find()) {
            throw new AssertionError("README.md has no code block after a 'Run all tests' line");
        }
        String[] parts = m.group(1).split("&&");
        return parts[parts.length - 1].strip();
    }

    /** One Dockerfile instruction: its keyword (upper case) and the rest, continuation lines joined. */
    record Instruction(String keyword, String arguments) {
        @Override
        public String toString() {
            return keyword + " " + arguments;
        }
    }

    /** A build stage: its FROM arguments and the instructions after it. */
    record Stage(String from, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }
    }

    /** The Dockerfile's instructions before the first FROM (global ARGs) and its stages, in order. */
    record Dockerfile(List<Instruction> globals, List<Stage> stages) {
        static Dockerfile parse(String text) {
            List<Instruction> instructions = new ArrayList<>();
            StringBuilder pending = null;
            for (String line : text.split("\n")) {
                if (line.strip().startsWith("#")) {
                    continue;  // comments, also between continuation lines, as Docker drops them
                }
                String content = line.stripTrailing();
                boolean continues = content.endsWith("\\");
                if (continues) {
                    content = content.substring(0, content.length() - 1);
                }
                pending = pending == null ? new StringBuilder(content) : pending.append(' ').append(content.strip());
                if (!continues) {
                    String joined = pending.toString().strip();
                    pending = null;
                    if (!joined.isEmpty()) {
                        String[] split = joined.split("\\s+", 2);
                        instructions.add(new Instruction(split[0].toUpperCase(Locale.ROOT),
                                                         split.length > 1 ? split[1] : ""));
                    }
                }
            }
            List<Instruction> globals = new ArrayList<>();
            List<Stage> stages = new ArrayList<>();
            for (Instruction instruction : instructions) {
                if (instruction.keyword().equals("FROM")) {
                    String[] words = instruction.arguments().split("\\s+");
                    String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                    stages.add(new Stage(words[0], name, new ArrayList<>()));
                } else if (stages.isEmpty()) {
                    globals.add(instruction);
                } else {
                    stages.getLast().instructions().add(instruction);
                }
            }
            return new Dockerfile(globals, stages);
        }

        Stage stage(String name) {
            return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                         .orElseThrow(() -> new AssertionError("the Dockerfile has no stage " + name));
        }

        Stage last() {
            return stages.getLast();
        }

        /** The FROM image of a stage, with ${ARG} replaced by the global ARG's default. */
        String image(Stage stage) {
            String image = stage.from();
            for (Instruction arg : globals) {
                if (arg.keyword().equals("ARG") && arg.arguments().contains("=")) {
                    String[] kv = arg.arguments().split("=", 2);
                    image = image.replace("${" + kv[0].strip() + "}", kv[1].strip());
                }
            }
            return image;
        }
    }
}
