/*
 * Go side of engine.i. The generated package (bindings/go/internal/capi) is
 * low level; bindings/go wraps it in idiomatic Go.
 *
 * Lists cross cgo as one string of NUL-terminated entries ("a\0b\0"): Go may
 * not pass C a []string (Go pointers to Go pointers), and C cannot allocate
 * Go memory. Output strings and lists are copied into Go memory and the C
 * memory freed. Output handles are written to a *uintptr. int results are
 * returned as is: the Go layer checks for < 0 and reads engine_error_last()
 * on the same locked OS thread.
 */

%{
/* "a\0b\0" -> engine_strarray (empty string: empty list). */
static int capi_go_split(const char *p, size_t n, engine_strarray *out)
{
	size_t count = 0, i, j;

	out->strings = NULL;
	out->count = 0;
	for (i = 0; i < n; i++)
		if (p[i] == '\0')
			count++;
	if (n > 0 && p[n - 1] != '\0')
		count++;
	out->strings = calloc(count + 1, sizeof(char *));
	if (!out->strings)
		return -1;
	for (i = 0, j = 0; j < count; j++) {
		size_t len = strnlen(p + i, n - i);
		out->strings[j] = strndup(p + i, len);
		if (!out->strings[j]) {
			out->count = j;
			capi_strarray_clear(out);
			return -1;
		}
		i += len + 1;
	}
	out->count = count;
	return 0;
}

/* engine_strarray -> "a\0b\0" in a Go string allocated in C memory. */
static _gostring_ capi_go_join(const engine_strarray *a)
{
	_gostring_ s = { NULL, 0 };
	size_t n = 0, i;

	for (i = 0; a && i < a->count; i++)
		n += strlen(a->strings[i] ? a->strings[i] : "") + 1;
	s.p = malloc(n ? n : 1);
	if (!s.p)
		return s;
	for (i = 0, n = 0; a && i < a->count; i++) {
		const char *e = a->strings[i] ? a->strings[i] : "";
		size_t len = strlen(e) + 1;
		memcpy(s.p + n, e, len);
		n += len;
	}
	s.n = (intgo)n;
	return s;
}
%}

%insert(go_wrapper) %{
// swigJoinList encodes a list for C: each entry NUL-terminated.
func swigJoinList(a []string) string {
	n := 0
	for _, s := range a {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for _, s := range a {
		b = append(b, s...)
		b = append(b, 0)
	}
	return string(b)
}

// swigSplitList decodes a list encoded by C (the inverse of swigJoinList).
func swigSplitList(s string) []string {
	out := []string{}
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != 0 {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}
%}

/*
 * Input strings: Go has no NULL string, and no libengine argument gives ""
 * a meaning, so "" passes NULL (the library's "unset / default").
 */
%typemap(in) const char * %{
	$1 = NULL;
	if ($input.n > 0) {
		$1 = malloc((size_t)$input.n + 1);
		if (!$1)
			_swig_gopanic("out of memory");
		memcpy((char *)$1, $input.p, (size_t)$input.n);
		((char *)$1)[$input.n] = '\0';
	}
%}
%typemap(freearg) const char * %{ free((char *)$1); %}

/* Input lists: []string. */
%typemap(gotype) const engine_strarray * "[]string"
%typemap(imtype) const engine_strarray * "string"
%typemap(goin) const engine_strarray * %{ $result = swigJoinList($input) %}
%typemap(in) const engine_strarray * (engine_strarray tmp = { NULL, 0 }) %{
	if (capi_go_split($input.p, (size_t)$input.n, &tmp) < 0)
		_swig_gopanic("out of memory");
	$1 = &tmp;
%}
%typemap(freearg) const engine_strarray * %{ capi_strarray_clear(&tmp$argnum); %}
%typemap(argout) const engine_strarray * ""
%typemap(goargout) const engine_strarray * ""

/* Output lists: *[]string. */
%typemap(gotype) engine_strarray * "*[]string"
%typemap(imtype) engine_strarray * "*string"
%typemap(goin) engine_strarray * %{ $result = new(string) %}
%typemap(in) engine_strarray * (engine_strarray tmp = { NULL, 0 }) %{ $1 = &tmp; %}
%typemap(argout) engine_strarray * %{
	*$input = capi_go_join(&tmp$argnum);
	engine_strarray_dispose(&tmp$argnum);
%}
%typemap(goargout, fragment="CopyString") engine_strarray * %{
	{
		list := swigSplitList(swigCopyString(*$input))
		if $1 != nil {
			*$1 = list
		}
	}
%}

/*
 * Borrowed lists returned by getters: copied. (A non-const engine_strarray *
 * is an output parameter, so list members are read through a const getter.)
 */
%typemap(out) const engine_strarray * %{ $result = capi_go_join($1); %}
%typemap(goout, fragment="CopyString") const engine_strarray * %{
	$result = swigSplitList(swigCopyString($1))
%}

%ignore engine_image_summary::tags;
%extend engine_image_summary {
	const engine_strarray *tag_list() { return &$self->tags; }
}

/* Output strings: *string; the C string is freed with engine_free. */
%typemap(gotype) char ** "*string"
%typemap(imtype) char ** "*string"
%typemap(goin) char ** %{ $result = new(string) %}
%typemap(in) char ** (char *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout, fragment="AllocateString") char ** %{
	*$input = Swig_AllocateString(tmp$argnum ? tmp$argnum : "", tmp$argnum ? strlen(tmp$argnum) : 0);
%}
%typemap(goargout, fragment="CopyString") char ** %{
	{
		str := swigCopyString(*$input)
		if $1 != nil {
			*$1 = str
		}
	}
%}
%typemap(freearg) char ** %{ engine_free(tmp$argnum); %}

/* Output handles: *uintptr, converted by the Go layer to the handle type. */
%typemap(gotype) SWIGTYPE ** "*uintptr"
%typemap(imtype) SWIGTYPE ** "*uintptr"
%typemap(in) SWIGTYPE ** %{ $1 = ($1_ltype)$input; %}

/* Output scalars. */
%define CAPI_SCALAR_OUT(TYPE, GOTYPE)
%typemap(gotype) TYPE * %{*GOTYPE%}
%typemap(imtype) TYPE * %{*GOTYPE%}
%typemap(in) TYPE * %{ $1 = ($1_ltype)$input; %}
%enddef
CAPI_SCALAR_OUT(int, int32)
CAPI_SCALAR_OUT(int64_t, int64)
CAPI_SCALAR_OUT(uint64_t, uint64)
CAPI_SCALAR_OUT(double, float64)

/* Byte buffers out ([]byte, copied) and in ([]byte, borrowed for the call). */
%typemap(gotype) capi_bytes "[]byte"
%typemap(imtype) capi_bytes "string"
%typemap(out, fragment="AllocateString") capi_bytes %{
	$result = Swig_AllocateString($1.data ? $1.data : "", $1.len);
%}
%typemap(goout, fragment="CopyString") capi_bytes %{
	$result = []byte(swigCopyString($1))
%}
/* Reads into a caller's []byte (engine_attach_read). */
%typemap(gotype) (void *buf, size_t size) "[]byte"
%typemap(in) (void *buf, size_t size) %{
	$1 = $input.array;
	$2 = (size_t)$input.len;
%}
%typemap(gotype) (const void *content, size_t len) "[]byte"
%typemap(in) (const void *content, size_t len) %{
	$1 = $input.array;
	$2 = (size_t)$input.len;
%}
