// What a project depending on dev.rnn4j:rnn4j gets, checked after its build (issue 21's acceptance).
import java.util.zip.ZipFile

def target = new File(basedir, 'target')
def tree = new File(target, 'dependency-tree.txt').getText('UTF-8')

// Only the library, slf4j-api and the JCuda bindings (and the consumer's own logback): no second SLF4J
// provider, nothing the command line alone uses, nothing rnn4j relocates inside its jar.
['slf4j-simple', 'picocli', 'jfreechart', 'commons-csv', 'commons-io', 'commons-codec', 'jackson'].each {
  assert !tree.contains(it) : "the consumer's dependency tree contains $it:\n$tree"
}
assert tree.contains('dev.rnn4j:rnn4j:jar') : tree
assert tree.contains('org.slf4j:slf4j-api:jar') : tree

// No class twice on the class path.
def owners = [:]
new File(target, 'class-path.txt').getText('UTF-8').trim().split(File.pathSeparator).each { path ->
  new ZipFile(path).withCloseable { zip ->
    zip.entries().each { entry ->
      def name = entry.name
      if (name.endsWith('.class') && !name.startsWith('META-INF/') && !name.endsWith('module-info.class')) {
        owners.computeIfAbsent(name) { [] } << new File(path).name
      }
    }
  }
}
def twice = owners.findAll { it.value.size() > 1 }
assert twice.isEmpty() : "classes on the class path twice: ${twice.take(5)}"

// Both runs trained (README's program prints its loss every ten steps), rnn4j's WARN line (no Vector API
// module on the class-path run) came out through logback, and SLF4J had nothing to complain about.
def classPathRun = new File(target, 'class-path-run.txt').getText('UTF-8')
def modulePathRun = new File(target, 'module-path-run.txt').getText('UTF-8')
[classPathRun, modulePathRun].each { run ->
  assert run.contains('step 50 loss') : run
  assert !run.contains('SLF4J') : run
}
assert classPathRun =~ /(?m)^LOGBACK WARN dev\.rnn4j\.\S+ - .*jdk\.incubator\.vector/ : classPathRun
return true
