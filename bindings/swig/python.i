/*
 * Python side of engine.i: lists <-> engine_strarray, output parameters as
 * return values, the GIL released around every library call, and negative
 * return codes raised as the typed exceptions of the `engine` package, built
 * from engine_error_last() on the calling thread right after the call.
 */

%{
#define PY_SSIZE_T_CLEAN

/* code (int) -> exception class; registered by engine/_errors.py. */
static PyObject *capi_error_classes;

/*
 * Raise the calling thread's last engine error. It is copied first, before
 * any Python API call, since nothing may run on this thread between the
 * failing call and this read.
 */
static void capi_raise_error(int rc)
{
	const engine_error *e = engine_error_last();
	int code = e->code ? e->code : rc;
	int sys_errno = e->sys_errno;
	char message[1024];
	PyObject *cls = NULL, *msg, *exc;

	snprintf(message, sizeof(message), "%s", e->message ? e->message : engine_strerror(code));
	msg = PyUnicode_DecodeFSDefault(message);
	if (!msg)
		return;
	if (capi_error_classes) {
		PyObject *key = PyLong_FromLong(code);
		if (key) {
			cls = PyDict_GetItemWithError(capi_error_classes, key);
			Py_DECREF(key);
		}
		if (!cls && !PyErr_Occurred())
			cls = PyDict_GetItemString(capi_error_classes, "default");
	}
	if (!cls) {
		if (!PyErr_Occurred())
			PyErr_Format(PyExc_RuntimeError, "%U (%s)", msg, engine_err_name(code));
		Py_DECREF(msg);
		return;
	}
	exc = PyObject_CallFunction(cls, "iiO", code, sys_errno, msg);
	Py_DECREF(msg);
	if (!exc)
		return;
	PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
	Py_DECREF(exc);
}

/* Accepts any iterable of str / bytes / os.PathLike (not a lone str). */
static int capi_py_to_strarray(PyObject *obj, engine_strarray *out)
{
	PyObject *seq, **items;
	Py_ssize_t n;

	out->strings = NULL;
	out->count = 0;
	if (PyUnicode_Check(obj) || PyBytes_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "expected a list of strings, not %s", Py_TYPE(obj)->tp_name);
		return -1;
	}
	seq = PySequence_Fast(obj, "expected a list of strings");
	if (!seq)
		return -1;
	n = PySequence_Fast_GET_SIZE(seq);
	items = PySequence_Fast_ITEMS(seq);
	out->strings = calloc((size_t)n + 1, sizeof(char *));
	if (!out->strings) {
		Py_DECREF(seq);
		PyErr_NoMemory();
		return -1;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *b = NULL;
		if (!PyUnicode_FSConverter(items[i], &b))
			goto fail;
		out->strings[i] = strdup(PyBytes_AS_STRING(b));
		Py_DECREF(b);
		out->count = (size_t)i + 1;
		if (!out->strings[i]) {
			PyErr_NoMemory();
			goto fail;
		}
	}
	Py_DECREF(seq);
	return 0;
fail:
	Py_DECREF(seq);
	capi_strarray_clear(out);
	return -1;
}

static PyObject *capi_strarray_to_py(const engine_strarray *a)
{
	size_t n = a ? a->count : 0;
	PyObject *list = PyList_New((Py_ssize_t)n);

	for (size_t i = 0; list && i < n; i++) {
		PyObject *s = PyUnicode_DecodeFSDefault(a->strings[i] ? a->strings[i] : "");
		if (!s) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, s);
	}
	return list;
}
%}

/* Registers the exception classes: {code: class, ..., "default": Error}. */
%feature("except", "0") capi_set_error_classes;
%rename(_set_error_classes) capi_set_error_classes;
%inline %{
static void capi_set_error_classes(PyObject *classes)
{
	Py_XINCREF(classes);
	Py_XSETREF(capi_error_classes, classes);
}
%}

/* Every library call runs without the GIL: runs, waits and loads block. */
%exception {
	Py_BEGIN_ALLOW_THREADS
	$action
	Py_END_ALLOW_THREADS
}

/* int results are 0 or a negative code: raise, else return None (or the outputs). */
%typemap(out) int {
	if ($1 < 0) {
		capi_raise_error($1);
		SWIG_fail;
	}
	$result = SWIG_Py_Void();
}
/* ...except plain int struct members and non-error results. */
%typemap(out) int ENGINE_PLAIN_INT "$result = PyLong_FromLong($1);"
/* Every int member of a public struct must be listed here
 * (tests/python/test_context.py checks the headers against this list). */
%apply int ENGINE_PLAIN_INT {
	int code, int sys_errno, int log_level, int log_fd, int force,
	int exit_code, int signal, int oom_killed, int timed_out,
	int stdio, int in_fd, int out_fd, int err_fd,
	int progress_fd, int timeout, int no_cache, int event_fd,
	int kind, int step, int total, int pause, int internal,
	int attach_stdin, int attach_stdout, int attach_stderr, int logs, int stream,
	int condition, int cancel_fd, int show_stdout, int show_stderr, int follow,
	int timestamps, int partial, int preserve_fds, int no_pivot, int no_new_keyring,
	int start, int read_only,
	int tty, int open_stdin, int privileged, int detach, int started, int running, int pid
};
/* Results that are counts, flags or fds, not just 0. */
%typemap(out) int engine_attach_fd, int engine_attach_tty, int engine_attach_stdin,
	int engine_attach_detached, int engine_logs_fd, int engine_exec_fd "$result = PyLong_FromLong($1);"
%typemap(out) int engine_logs_next {
	if ($1 < 0) {
		capi_raise_error($1);
		SWIG_fail;
	}
	$result = PyLong_FromLong($1);
}
%typemap(out) int engine_has_feature "$result = PyBool_FromLong($1);"
%typemap(out) int engine_context_has_feature "$result = PyBool_FromLong($1);"

/* Input lists. */
%typemap(in) const engine_strarray * (engine_strarray tmp = { NULL, 0 }) {
	if ($input == Py_None) {
		$1 = NULL;
	} else {
		if (capi_py_to_strarray($input, &tmp) < 0)
			SWIG_fail;
		$1 = &tmp;
	}
}
%typemap(freearg) const engine_strarray * "capi_strarray_clear(&tmp$argnum);"
%typemap(argout) const engine_strarray * ""

/* Output lists: returned as list[str], the C array disposed. */
%typemap(in, numinputs=0) engine_strarray * (engine_strarray tmp = { NULL, 0 }) "$1 = &tmp;"
%typemap(argout) engine_strarray * {
	PyObject *list = capi_strarray_to_py(&tmp$argnum);
	if (!list)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, list);
}
%typemap(freearg) engine_strarray * "engine_strarray_dispose(&tmp$argnum);"

/* Borrowed lists returned by getters: copied into a new list. */
%typemap(out) engine_strarray *, const engine_strarray * {
	$result = capi_strarray_to_py($1);
	if (!$result)
		SWIG_fail;
}

/* Output strings, freed with engine_free once copied. */
%typemap(in, numinputs=0) char ** (char *tmp = NULL) "$1 = &tmp;"
%typemap(argout) char ** {
	PyObject *s = tmp$argnum ? PyUnicode_DecodeFSDefault(tmp$argnum) : SWIG_Py_Void();
	if (!s)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, s);
}
%typemap(freearg) char ** "engine_free(tmp$argnum);"

/* Output handles (T **out): returned as the opaque pointer object. */
%typemap(in, numinputs=0) SWIGTYPE ** ($*1_ltype tmp = NULL) "$1 = &tmp;"
%typemap(argout) SWIGTYPE ** {
	$result = SWIG_Python_AppendOutput($result,
		SWIG_NewPointerObj(SWIG_as_voidptr(tmp$argnum), $*1_descriptor, 0));
}

/* Output scalars (non-const pointers to numbers). */
%define CAPI_SCALAR_OUT(TYPE, TO_PY)
%typemap(in, numinputs=0) TYPE * (TYPE tmp = 0) "$1 = &tmp;"
%typemap(argout) TYPE * {
	$result = SWIG_Python_AppendOutput($result, TO_PY(tmp$argnum));
}
%enddef
CAPI_SCALAR_OUT(int, PyLong_FromLong)
CAPI_SCALAR_OUT(int64_t, PyLong_FromLongLong)
CAPI_SCALAR_OUT(uint64_t, PyLong_FromUnsignedLongLong)
CAPI_SCALAR_OUT(double, PyFloat_FromDouble)

/* Output structs filled by the library: returned as a new owned object,
 * of the version this binding was built against. */
%define CAPI_STRUCT_OUT(TYPE, VERSION)
%typemap(in, numinputs=0) TYPE *out (TYPE tmp) "memset(&tmp, 0, sizeof(tmp)); tmp.version = VERSION; $1 = &tmp;"
%typemap(argout) TYPE *out {
	TYPE *copy = malloc(sizeof(*copy));
	if (!copy) {
		PyErr_NoMemory();
		SWIG_fail;
	}
	*copy = tmp$argnum;
	$result = SWIG_Python_AppendOutput($result,
		SWIG_NewPointerObj(SWIG_as_voidptr(copy), $1_descriptor, SWIG_POINTER_OWN));
}
%enddef
CAPI_STRUCT_OUT(engine_store_usage, ENGINE_STORE_USAGE_VERSION)
CAPI_STRUCT_OUT(engine_container_stats, ENGINE_CONTAINER_STATS_VERSION)

/*
 * Run results: owned by the returned object. The library sets *out even
 * when the call fails (a command that could not be executed), so the
 * result is freed when the call raises.
 */
%typemap(in, numinputs=0) engine_run_result ** (engine_run_result *tmp = NULL) "$1 = &tmp;"
%typemap(argout) engine_run_result ** {
	$result = SWIG_Python_AppendOutput($result,
		SWIG_NewPointerObj(SWIG_as_voidptr(tmp$argnum), $*1_descriptor, SWIG_POINTER_OWN));
	tmp$argnum = NULL;
}
%typemap(freearg) engine_run_result ** "engine_run_result_free(tmp$argnum);"

/* Reads into a buffer of the given size: returned as bytes of the length
 * the call reports (engine_attach_read). */
%typemap(in) (void *buf, size_t size) (char *tmpbuf = NULL) {
	size_t n = PyLong_AsSize_t($input);
	if (PyErr_Occurred())
		SWIG_fail;
	tmpbuf = malloc(n ? n : 1);
	if (!tmpbuf) {
		PyErr_NoMemory();
		SWIG_fail;
	}
	$1 = tmpbuf;
	$2 = n;
}
%typemap(argout) (void *buf, size_t size) {
	PyObject *b = PyBytes_FromStringAndSize(tmpbuf$argnum, result > 0 ? (Py_ssize_t)result : 0);
	if (!b)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, b);
}
%typemap(freearg) (void *buf, size_t size) "free(tmpbuf$argnum);"
CAPI_STRUCT_OUT(engine_wait_result, ENGINE_WAIT_RESULT_VERSION)
CAPI_STRUCT_OUT(engine_exec_state, ENGINE_EXEC_STATE_VERSION)

/* Byte buffers out (bytes) and in (any bytes-like object). */
%typemap(out) capi_bytes {
	$result = PyBytes_FromStringAndSize($1.data ? $1.data : "", (Py_ssize_t)$1.len);
	if (!$result)
		SWIG_fail;
}
%typemap(in) (const void *content, size_t len) (Py_buffer view, int have_view = 0) {
	if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0)
		SWIG_fail;
	have_view = 1;
	$1 = view.buf;
	$2 = (size_t)view.len;
}
%typemap(freearg) (const void *content, size_t len) {
	if (have_view$argnum)
		PyBuffer_Release(&view$argnum);
}

